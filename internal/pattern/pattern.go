package pattern

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid reports a pattern that cannot be used.
var ErrInvalid = errors.New("invalid pattern")

// MaxLength bounds a pattern, and with it the work Match may do.
const MaxLength = 512

// Validate reports whether p is a usable pattern.
func Validate(p string) error {
	switch {
	case p == "":
		return fmt.Errorf("%w: empty", ErrInvalid)
	case len(p) > MaxLength:
		return fmt.Errorf("%w: longer than %d characters", ErrInvalid, MaxLength)
	case strings.Contains(p, "***"):
		return fmt.Errorf("%w %q: at most two * in a row", ErrInvalid, p)
	}
	return nil
}

// Match reports whether name matches pattern p. An invalid pattern
// matches nothing.
func Match(p, name string) bool {
	if Validate(p) != nil {
		return false
	}
	return match(p, name)
}

// match is a backtracking glob matcher. Each star remembers only the last
// place it can resume from, which keeps the work linear in practice and
// bounded by len(p)*len(name) at worst.
func match(p, s string) bool {
	pi, si := 0, 0
	starP, starS := -1, -1 // where the last star was and what it has eaten
	deep := false          // the last star was "**"
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '*':
			deep = pi+1 < len(p) && p[pi+1] == '*'
			if deep {
				pi++
			}
			pi++
			starP, starS = pi, si
		case pi < len(p) && (p[pi] == '?' && s[si] != '/' || p[pi] == s[si]):
			pi++
			si++
		case starP >= 0 && (deep || s[starS] != '/'):
			// Let the last star eat one more character and retry.
			starS++
			pi, si = starP, starS
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}
