package auth

import (
	"fmt"
)

// deployer is the subject of the tokens berth issues to itself so that
// the container runtime can pull what the deploy engine runs. The colon
// keeps any account from taking the name.
const deployer = "berth:deployer"

// PullToken returns a token that lets its bearer pull repo, and nothing
// else, for the token lifetime.
func (s *Service) PullToken(repo string) (string, error) {
	tok, err := s.issue(deployer, []Access{{Type: TypeRepository, Name: repo, Actions: []string{ActionPull}}}, s.now())
	if err != nil {
		return "", fmt.Errorf("issuing a pull token for %s: %w", repo, err)
	}
	return tok, nil
}

// deployerAllows reports whether a deployer token with claims c covers
// need: pulls of the repositories it names, nothing more.
func deployerAllows(c *claims, need []Scope) bool {
	for _, sc := range need {
		for _, a := range sc.Actions {
			if a != ActionPull || !c.allows(sc.Type, sc.Name, a) {
				return false
			}
		}
	}
	return true
}
