package meta

import (
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
)

// ErrImmutable reports a change to a tag that a rule protects.
var ErrImmutable = errors.New("tag is immutable")

// TagGuard reports the rule that makes a tag of a repository immutable, or
// "" when none does.
type TagGuard func(repo, tag string) (rule string)

// ImmutableError names the protected tag and the rule that protects it.
type ImmutableError struct {
	Repo, Tag, Rule string
	Current         digest.Digest // what the tag points at
	Attempt         string        // what was refused: "move" or "delete"
}

func (e *ImmutableError) Error() string {
	if e.Attempt == "delete" {
		return fmt.Sprintf("tag %s in %s is immutable (rule %s) and cannot be deleted", e.Tag, e.Repo, e.Rule)
	}
	return fmt.Sprintf("tag %s in %s is immutable (rule %s): it points at %s; push a new tag instead",
		e.Tag, e.Repo, e.Rule, e.Current)
}
func (e *ImmutableError) Unwrap() error { return ErrImmutable }

// check applies g, which may be nil.
func (g TagGuard) check(repo, tag string, current digest.Digest, attempt string) error {
	if g == nil {
		return nil
	}
	if rule := g(repo, tag); rule != "" {
		return &ImmutableError{Repo: repo, Tag: tag, Rule: rule, Current: current, Attempt: attempt}
	}
	return nil
}
