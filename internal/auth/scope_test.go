package auth

import (
	"errors"
	"testing"
)

func TestParseScope(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"a repository with two actions", "repository:team/app:pull,push", "repository:team/app:pull,push", true},
		{"the catalog", "registry:catalog:*", "registry:catalog:*", true},
		{"a name with a host and port", "repository:localhost:5000/app:pull", "repository:localhost:5000/app:pull", true},
		{"no actions", "repository:app", "", false},
		{"an empty action", "repository:app:pull,", "", false},
		{"no type", ":app:pull", "", false},
		{"nothing after the last colon", "repository:app:", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseScope(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseScope(%q) error = %v", tt.in, err)
			}
			if err != nil && !errors.Is(err, ErrScopeInvalid) {
				t.Fatalf("error %v is not ErrScopeInvalid", err)
			}
			if tt.ok && s.String() != tt.want {
				t.Fatalf("round trip %q", s.String())
			}
		})
	}
}

func FuzzParseScope(f *testing.F) {
	for _, s := range []string{"repository:a:pull", "registry:catalog:*", "a:b:c:d", ":::", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseScope(s)
		if err != nil {
			return
		}
		if sc.Type == "" || len(sc.Actions) == 0 {
			t.Fatalf("accepted %q as %+v", s, sc)
		}
		back, err := ParseScope(sc.String())
		if err != nil || back.String() != sc.String() {
			t.Fatalf("%q does not round-trip: %q %v", s, back.String(), err)
		}
	})
}
