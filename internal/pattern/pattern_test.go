package pattern

import (
	"math/rand/v2"
	"path"
	"regexp"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		in      string
		want    bool
	}{
		{"a literal matches itself", "team/api", "team/api", true},
		{"a literal does not match another name", "team/api", "team/web", false},
		{"a star matches within a component", "team/*", "team/api", true},
		{"a star does not cross a slash", "team/*", "team/a/b", false},
		{"a double star crosses slashes", "team/**", "team/a/b", true},
		{"a double star matches one component", "team/**", "team/a", true},
		{"a lone double star matches everything", "**", "a/b/c", true},
		{"a lone star matches a top-level name", "*", "alpine", true},
		{"a lone star does not match a nested name", "*", "a/b", false},
		{"a tag prefix", "v*", "v1.2.3", true},
		{"a tag prefix does not match other tags", "v*", "latest", false},
		{"a star in the middle", "build-*-amd64", "build-abc-amd64", true},
		{"a question mark is one character", "v?", "v1", true},
		{"a question mark is not a slash", "a?b", "a/b", false},
		{"a star can match nothing", "team/*api", "team/api", true},
		{"backtracking finds the later match", "*a*b", "xaxxab", true},
		{"a double star in the middle", "a/**/z", "a/b/c/z", true},
		{"an empty name matches only stars", "*", "", true},
		{"three stars are invalid and match nothing", "***", "x", false},
		{"a double star then a star matches one level down", "**/*-prod", "team/api-prod", true},
		{"a double star then a star matches two levels down", "**/*-prod", "team/a/api-prod", true},
		{"a double star then a star matches three levels down", "**/*-prod", "org/x/y/db-prod", true},
		{"a double star then a star needs the suffix", "**/*-prod", "org/x/y/db-dev", false},
		{"a double star then a star needs a slash", "**/*-prod", "api-prod", false},
		{"a double star slash star matches any nested name", "**/*", "a/b/c", true},
		{"the star after a double star stays in the last component", "**/*-prod", "a/x-prod/y", false},
		{"a star before a double star stays in its component", "*/**/z", "a/b/c/z", true},
		{"a star before a double star does not cross a slash", "*-x/**", "a/b-x/c", false},
		{"a question mark after a double star", "**/v?", "a/b/v1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Match(tt.pattern, tt.in); got != tt.want {
				t.Fatalf("Match(%q, %q) = %v, want %v", tt.pattern, tt.in, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, p := range []string{"", "***", strings.Repeat("a", MaxLength+1)} {
		if Validate(p) == nil {
			t.Errorf("Validate(%q) accepted", p)
		}
	}
	for _, p := range []string{"*", "**", "team/**", "v*"} {
		if err := Validate(p); err != nil {
			t.Errorf("Validate(%q) = %v", p, err)
		}
	}
}

// reference is the meaning doc.go gives a pattern, as a regular
// expression: "**" is any run of characters, "*" any run without a slash,
// "?" one character that is not a slash.
func reference(t testing.TB, p string) *regexp.Regexp {
	t.Helper()
	var b strings.Builder
	b.WriteString(`(?s)^`)
	for i := 0; i < len(p); i++ {
		switch {
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(`.*`)
			i++
		case p[i] == '*':
			b.WriteString(`[^/]*`)
		case p[i] == '?':
			b.WriteString(`[^/]`)
		default:
			b.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// agrees fails t if Match and the reference disagree on (p, s). Names are
// ASCII, so only ASCII inputs are compared: the reference reads UTF-8
// where Match reads bytes.
func agrees(t testing.TB, p, s string) {
	t.Helper()
	if Validate(p) != nil || !ascii(p+s) {
		return
	}
	if got, want := Match(p, s), reference(t, p).MatchString(s); got != want {
		t.Fatalf("Match(%q, %q) = %v, the reference says %v", p, s, got, want)
	}
}

func TestMatchAgreesWithARegexp(t *testing.T) {
	// Small alphabets make every interplay of stars, slashes and letters
	// common; the seed is fixed so that a failure repeats.
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(alphabet string, maxLen int) string {
		b := make([]byte, rng.IntN(maxLen+1))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(b)
	}
	for range 200_000 {
		agrees(t, word("ab/*?", 8), word("ab/", 10))
	}
	// Patterns of 64 bytes or more take the other path through match.
	for range 20_000 {
		prefix := strings.Repeat("a", 60+rng.IntN(8))
		agrees(t, prefix+word("ab/*?", 8), prefix+word("ab/", 10))
		agrees(t, word("ab/*?", 8)+prefix, word("ab/", 10)+prefix)
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("team/*", "team/api")
	f.Add("**", "a/b")
	f.Add("v?.*", "v1.2")
	f.Add("**/*-prod", "org/x/y/db-prod")
	f.Add("*/**/z?", "a/b/c/zz")
	f.Fuzz(func(t *testing.T, p, s string) {
		agrees(t, p, s)
		// Without "**", a pattern means what path.Match means for names
		// without brackets or escapes.
		if strings.Contains(p, "**") || strings.ContainsAny(p+s, `[]\`) || !ascii(p+s) || Validate(p) != nil {
			return
		}
		want, err := path.Match(p, s)
		if got := Match(p, s); err == nil && got != want {
			t.Fatalf("Match(%q, %q) = %v, path.Match says %v", p, s, got, want)
		}
	})
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
