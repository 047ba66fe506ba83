package pattern

import (
	"errors"
	"fmt"
	"math/bits"
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
	if strings.IndexByte(p, '*') < 0 && strings.IndexByte(p, '?') < 0 {
		return p == name
	}
	return match(p, name)
}

// match runs p as a nondeterministic automaton over s. A state is a
// position in p (everything before it has matched), and each byte of s
// moves every live state at once, so the work is linear in len(s) for a
// pattern that fits a machine word and at most len(p)*len(s) steps for a
// longer one, whatever the pattern. Trying one way to split s among the
// stars and backtracking to the next can take exponential time, and
// remembering only the last star (as a plain glob matcher does) misses
// matches once "*" and "**" both occur: "**/*-prod" against "a/b/api-prod".
func match(p, s string) bool {
	if len(p) < 64 {
		return matchWord(p, s)
	}
	return matchLong(p, s)
}

// matchWord keeps the states of a pattern shorter than 64 bytes as the
// bits of one word and moves them all with a few operations per byte.
func matchWord(p, s string) bool {
	var (
		class [256]uint8     // a literal byte's class; 0 for bytes p lacks
		lit   [64]uint64     // positions of each class's literal
		one   uint64         // positions of "?"
		star  uint64         // positions of a "*" alone
		deep  uint64         // positions of a "**"
		n     uint8      = 1 // classes in use
	)
	for j := 0; j < len(p); j++ {
		switch c := p[j]; {
		case c == '*' && j+1 < len(p) && p[j+1] == '*':
			deep |= 1 << j
			j++
		case c == '*':
			star |= 1 << j
		case c == '?':
			one |= 1 << j
		default:
			if class[c] == 0 {
				class[c] = n
				n++
			}
			lit[class[c]] |= 1 << j
		}
	}
	// skip adds the positions after stars, which may match nothing. A
	// star is never followed by another ("***" is invalid), so one step
	// is enough.
	skip := func(x uint64) uint64 { return x | (x&star)<<1 | (x&deep)<<2 }
	cur := skip(1)
	for i := 0; i < len(s); i++ {
		c := s[i]
		step, stay := lit[class[c]], deep
		if c != '/' {
			step |= one
			stay |= star
		}
		if cur = skip((cur&step)<<1 | cur&stay); cur == 0 {
			return false
		}
	}
	return cur&(1<<len(p)) != 0
}

// matchLong moves each live state of a longer pattern in turn.
func matchLong(p, s string) bool {
	var buf [2 * words]uint64
	n := len(p)/64 + 1 // words that hold positions 0..len(p)
	cur, next := states(buf[:n]), states(buf[words:words+n])
	cur.add(p, 0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		clear(next)
		live := false
		for w, word := range cur {
			for ; word != 0; word &= word - 1 {
				j := w*64 + bits.TrailingZeros64(word)
				switch {
				case j == len(p):
					// The pattern is used up but the name goes on.
				case p[j] == '*':
					// A star eats c and stays: "**" eats anything, "*"
					// anything but a slash.
					if c != '/' || j+1 < len(p) && p[j+1] == '*' {
						next.add(p, j)
						live = true
					}
				case p[j] == '?' && c != '/' || p[j] == c:
					next.add(p, j+1)
					live = true
				}
			}
		}
		if !live {
			return false
		}
		cur, next = next, cur
	}
	return cur.has(len(p))
}

// words is how many 64-bit words hold the positions of the longest
// pattern.
const words = MaxLength/64 + 1

// states is a set of positions in a pattern.
type states []uint64

// add puts position j in the set, and every position after it that a run
// of stars, which may match nothing, lets the automaton skip to.
func (st states) add(p string, j int) {
	for {
		st[j/64] |= 1 << (j % 64)
		if j >= len(p) || p[j] != '*' {
			return
		}
		if j+1 < len(p) && p[j+1] == '*' {
			j += 2
		} else {
			j++
		}
	}
}

func (st states) has(j int) bool { return st[j/64]&(1<<(j%64)) != 0 }
