package auth

import (
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

// BenchmarkFailedLogin measures how long a refused login takes on each
// path, with passwords hashed at PasswordCost as berth writes them. The
// paths should take the same time, so that the time does not tell
// whether a name exists or is a robot's; a correct robot token is the
// fast path it is allowed to be.
func BenchmarkFailedLogin(b *testing.B) {
	hash, err := HashPassword(alicePassword, PasswordCost)
	if err != nil {
		b.Fatal(err)
	}
	cfg := testConfig(b)
	cfg.FailedLoginsPerMinute = 0
	cfg.Users = []config.User{{Name: "alice", Password: hash}}
	s := newTestService(b, cfg)
	for _, bb := range []struct{ name, user, pass string }{
		{"an unknown name", "mallory", "guess-guess"},
		{"a user with a wrong password", "alice", "guess-guess"},
		{"a robot with a wrong token", "ci", "berth_guess"},
		{"a robot with its token", "ci", ciToken},
	} {
		b.Run(bb.name, func(b *testing.B) {
			h := basic(bb.user, bb.pass)
			for b.Loop() {
				_, _ = s.Authorize(request(h), nil)
			}
		})
	}
}
