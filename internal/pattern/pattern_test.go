package pattern

import (
	"path"
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

func FuzzMatch(f *testing.F) {
	f.Add("team/*", "team/api")
	f.Add("**", "a/b")
	f.Add("v?.*", "v1.2")
	f.Fuzz(func(t *testing.T, p, s string) {
		got := Match(p, s)
		// Without "**", a pattern means what path.Match means for ASCII
		// names (repository names and tags are ASCII) without brackets or
		// escapes.
		if strings.Contains(p, "**") || strings.ContainsAny(p+s, `[]\`) || !ascii(p+s) || Validate(p) != nil {
			return
		}
		want, err := path.Match(p, s)
		if err == nil && got != want {
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
