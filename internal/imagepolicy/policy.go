package imagepolicy

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Policy chooses which tag of a repository a service should run.
type Policy struct {
	Kind       Kind   // KindSemver, KindPattern or KindDigest
	Range      string // semver: a Masterminds semver constraint such as "^1.4" or ">=2.0.0 <3"; "" means any release
	Prerelease bool   // semver: consider pre-release versions too (default: only releases)
	Pattern    string // pattern: a regular expression with one named group, ordered by Order
	Order      Order  // pattern: OrderNumeric (default) or OrderAlphabetical
	Tag        string // digest: the one tag whose digest is followed
}

// Kind is the way a Policy ranks tags.
type Kind string

const (
	KindSemver  Kind = "semver"  // the highest semantic version within a range
	KindPattern Kind = "pattern" // the highest value of a regular expression's named group
	KindDigest  Kind = "digest"  // one tag, followed as its digest moves
)

// Order is how a pattern policy orders its named group's values.
type Order string

const (
	OrderNumeric      Order = "numeric"      // as whole numbers; "" means this
	OrderAlphabetical Order = "alphabetical" // as text, byte by byte
)

// ErrInvalid reports a Policy that cannot be used. Every problem
// Validate finds wraps it.
var ErrInvalid = errors.New("invalid image policy")

// Error is a problem with one field of a Policy. Field is the field's
// name as x-berth.update writes it (policy, range, prerelease, pattern,
// order or tag), so that a caller can place the problem at its key.
type Error struct {
	Field string
	// Message reads after the field's name: "has no named group".
	Message string
}

// Error is the field's name followed by the message.
func (e *Error) Error() string { return e.Field + " " + e.Message }

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// tagRE is the OCI distribution spec's grammar for a tag.
var tagRE = regexp.MustCompile(`^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$`)

// Validate reports every problem of p, each an *Error, joined; nil when
// p can be used.
func (p Policy) Validate() error {
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &Error{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch p.Kind {
	case KindSemver:
		if p.Range != "" {
			if _, err := semver.NewConstraint(p.Range); err != nil {
				add("range", "%s", rangeProblem(p.Range, err))
			}
		}
	case KindPattern:
		if msg := patternProblem(p.Pattern); msg != "" {
			add("pattern", "%s", msg)
		}
		switch p.Order {
		case "", OrderNumeric, OrderAlphabetical:
		default:
			add("order", "%q is not one of numeric, alphabetical", p.Order)
		}
	case KindDigest:
		switch {
		case p.Tag == "":
			add("tag", "is missing: name the tag whose digest is followed, like main")
		case !tagRE.MatchString(p.Tag):
			add("tag", "%q is not a tag: up to 128 letters, digits, _, . and -, not starting with . or -", p.Tag)
		}
	case "":
		add("policy", "is missing: one of semver, pattern, digest")
	default:
		add("policy", "%q is not one of semver, pattern, digest", p.Kind)
	}
	if p.Kind != "" {
		p.foreign(add)
	}
	return errors.Join(errs...)
}

// foreign reports the fields set that belong to another kind of policy.
func (p Policy) foreign(add func(field, format string, args ...any)) {
	if p.Range != "" && p.Kind != KindSemver {
		add("range", "is for policy semver, not %s", p.Kind)
	}
	if p.Prerelease && p.Kind != KindSemver {
		add("prerelease", "is for policy semver, not %s", p.Kind)
	}
	if p.Pattern != "" && p.Kind != KindPattern {
		add("pattern", "is for policy pattern, not %s", p.Kind)
	}
	if p.Order != "" && p.Kind != KindPattern {
		add("order", "is for policy pattern, not %s", p.Kind)
	}
	if p.Tag != "" && p.Kind != KindDigest {
		add("tag", "is for policy digest, not %s", p.Kind)
	}
}

// rangeProblem says what is wrong with a range Masterminds refused.
func rangeProblem(r string, err error) string {
	if errors.Is(err, semver.ErrConstraintTooLong) || errors.Is(err, semver.ErrTooManyConstraintGroups) {
		return fmt.Sprintf("%q is not a semver range: %v", r, err)
	}
	// Masterminds' other errors quote the range again.
	return fmt.Sprintf("%q is not a semver range like ^1.4, ~1.4.2 or \">=2.0.0 <3\"", r)
}

// patternProblem says what is wrong with a pattern, "" if nothing.
func patternProblem(pattern string) string {
	if pattern == "" {
		return "is missing: a regular expression with one named group, like ^build-(?P<ts>[0-9]+)$"
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fmt.Sprintf("%q is not a regular expression: %v", pattern, err)
	}
	switch names := groupNames(re); len(names) {
	case 0:
		return "has no named group: name the part that orders tags, like (?P<ts>[0-9]+)"
	case 1:
		return ""
	default:
		return fmt.Sprintf("has %d named groups (%s): name only the part that orders tags", len(names), strings.Join(names, ", "))
	}
}

// groupNames lists the names of re's named groups.
func groupNames(re *regexp.Regexp) []string {
	var names []string
	for _, n := range re.SubexpNames() {
		if n != "" {
			names = append(names, n)
		}
	}
	return names
}
