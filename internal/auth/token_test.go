package auth

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestIssuedTokenClaims(t *testing.T) {
	s := newTestService(t, testConfig(t))
	access := []Access{{TypeRepository, "team/app", []string{"pull", "push"}}}
	tok := mustIssue(t, s, "alice", access...)

	c, err := s.validate(tok)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != "berth" || c.Subject != "alice" || !slices.Equal(c.Audience, jwt.ClaimStrings{"berth-test"}) {
		t.Errorf("iss %q sub %q aud %v", c.Issuer, c.Subject, c.Audience)
	}
	if !c.IssuedAt.Equal(testNow()) || !c.NotBefore.Equal(testNow()) || !c.ExpiresAt.Equal(testNow().Add(5*time.Minute)) {
		t.Errorf("iat %v nbf %v exp %v", c.IssuedAt, c.NotBefore, c.ExpiresAt)
	}
	if c.ID == "" {
		t.Error("no jti")
	}
	if len(c.Access) != 1 || c.Access[0].Name != "team/app" || !slices.Equal(c.Access[0].Actions, []string{"pull", "push"}) {
		t.Errorf("access %+v", c.Access)
	}
	header, _, _ := strings.Cut(tok, ".")
	if h, _ := jwt.NewParser().DecodeSegment(header); !strings.Contains(string(h), `"alg":"HS256"`) {
		t.Errorf("header %s", h)
	}
	if other := mustIssue(t, s, "alice", access...); other == tok {
		t.Error("two tokens share a jti")
	}
}

func TestTokensOutliveARestart(t *testing.T) {
	keyPath := filepath.Join(t.TempDir(), "auth", "token.key")
	cfg := testConfig(t)
	first, err := New(cfg, keyPath, discard())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := first.issue("alice", nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(cfg, keyPath, discard())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.validate(tok); err != nil {
		t.Fatalf("a token issued before the restart: %v", err)
	}
	if err := os.Remove(keyPath); err != nil {
		t.Fatal(err)
	}
	third, err := New(cfg, keyPath, discard())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := third.validate(tok); !errors.Is(err, errTokenSignature) {
		t.Fatalf("a token signed with a removed key: %v", err)
	}
}

// FuzzValidate checks that nothing but an untouched issued token
// validates, and that nothing panics.
func FuzzValidate(f *testing.F) {
	s := newTestService(f, testConfig(f))
	valid := mustIssue(f, s, "alice", Access{TypeRepository, "team/app", []string{"pull"}})
	if _, err := s.validate(valid); err != nil {
		f.Fatal(err)
	}
	f.Add(valid, uint(0), byte('x'))
	f.Add(valid, uint(len(valid)-1), byte('A'))
	f.Add(valid[:len(valid)-1]+"B", uint(10), byte('.'))
	f.Add("", uint(3), byte(0))
	f.Add("a.b.c", uint(1), byte('='))
	f.Add("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.", uint(5), byte('-'))
	f.Fuzz(func(t *testing.T, s2 string, pos uint, b byte) {
		if _, err := s.validate(s2); err == nil && s2 != valid {
			t.Fatalf("%q validated", s2)
		}
		mutated := []byte(valid)
		mutated[pos%uint(len(mutated))] = b
		if _, err := s.validate(string(mutated)); err == nil && string(mutated) != valid {
			t.Fatalf("mutated token %q validated", mutated)
		}
	})
}
