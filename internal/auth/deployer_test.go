package auth

import (
	"errors"
	"net/http"
	"testing"
)

func TestPullTokensAllowOnlyPullsOfTheirRepository(t *testing.T) {
	s := newTestService(t, testConfig(t))
	tok, err := s.PullToken("apps/web")
	if err != nil {
		t.Fatal(err)
	}
	ask := func(repo, action string) error {
		r, _ := http.NewRequest(http.MethodGet, "http://registry.test/v2/", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		_, err := s.Authorize(r, []Scope{{Type: TypeRepository, Name: repo, Actions: []string{action}}})
		return err
	}
	if err := ask("apps/web", ActionPull); err != nil {
		t.Fatalf("pull of its repository: %v", err)
	}
	for _, tc := range []struct{ repo, action string }{{"apps/web", ActionPush}, {"apps/other", ActionPull}, {"apps/web", ActionDelete}} {
		if err := ask(tc.repo, tc.action); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("%s %s: %v, want refused", tc.action, tc.repo, err)
		}
	}
}
