package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countChecks makes s count its bcrypt comparisons, each taking at least
// hold, as one at a real cost would.
func countChecks(s *Service, hold time.Duration) *atomic.Int64 {
	var n atomic.Int64
	compare := s.compare
	s.compare = func(hash, password []byte) error {
		n.Add(1)
		time.Sleep(hold)
		return compare(hash, password)
	}
	return &n
}

func TestConcurrentGuessesGetNoMoreChecksThanTheBudget(t *testing.T) {
	cfg := testConfig(t)
	cfg.FailedLoginsPerMinute = 10
	s := newTestService(t, cfg)
	checks := countChecks(s, 50*time.Millisecond)
	srv := httptest.NewServer(s.TokenHandler())
	t.Cleanup(srv.Close)

	var wg sync.WaitGroup
	var throttled atomic.Int64
	start := make(chan struct{})
	for i := range 100 {
		wg.Go(func() {
			<-start
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"?service=berth-test", nil)
			req.SetBasicAuth([]string{"alice", "mallory", "ci"}[i%3], "guess")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests {
				throttled.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	t.Logf("100 concurrent guesses from one address: %d password checks, %d refused with 429", checks.Load(), throttled.Load())
	if n := checks.Load(); n > 10 {
		t.Fatalf("%d password checks, want at most the budget of 10", n)
	}
	if throttled.Load() != 100-checks.Load() {
		t.Fatalf("%d guesses refused with 429 and %d checked, of 100", throttled.Load(), checks.Load())
	}
}

func TestEveryRefusedLoginComparesOnce(t *testing.T) {
	cfg := testConfig(t)
	cfg.FailedLoginsPerMinute = 0
	s := newTestService(t, cfg)
	checks := countChecks(s, 0)
	for _, tt := range []struct {
		name, user, pass string
		ok               bool
		want             int64
	}{
		{"an unknown name", "mallory", "guess", false, 1},
		{"a robot with a wrong token", "ci", "berth_guess", false, 1},
		{"a user with a wrong password", "alice", "guess", false, 1},
		{"a robot with its token", "ci", ciToken, true, 0},
		{"a user with the password", "alice", alicePassword, true, 1},
		{"a user with a password that passed of late", "alice", alicePassword, true, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := checks.Load()
			_, err := s.Authorize(request(basic(tt.user, tt.pass)), nil)
			if tt.ok != (err == nil) {
				t.Fatalf("Authorize: %v", err)
			}
			if n := checks.Load() - before; n != tt.want {
				t.Fatalf("%d bcrypt comparisons, want %d", n, tt.want)
			}
		})
	}
}

// from returns a request with the Authorization header h from addr.
func from(addr, h string) *http.Request {
	r := request(h)
	r.RemoteAddr = addr + ":40000"
	return r
}

func TestAccountBudget(t *testing.T) {
	cfg := testConfig(t)
	cfg.FailedLoginsPerMinute = 3
	s := newTestService(t, cfg)
	need := []Scope{repo("team/app", "pull")}
	// Three guessers, one guess each: the address budgets are far from
	// spent, the account's is.
	for _, addr := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
		if _, err := s.Authorize(from(addr, basic("alice", "guess")), need); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("guess from %s: %v", addr, err)
		}
	}
	t.Run("an address that failed against the account is held back", func(t *testing.T) {
		_, err := s.Authorize(from("198.51.100.1", basic("alice", alicePassword)), need)
		var th *ThrottledError
		if !errors.As(err, &th) || !th.Account || th.RetryAfter != 20*time.Second {
			t.Fatalf("%v, want throttled for the account for 20s", err)
		}
		if !strings.Contains(err.Error(), "for this account") {
			t.Fatalf("message %q", err)
		}
	})
	t.Run("the same address may still log in to another account", func(t *testing.T) {
		if actor, err := s.Authorize(from("198.51.100.1", basic("bob", bobPassword)), nil); err != nil || actor != "bob" {
			t.Fatalf("%q, %v", actor, err)
		}
	})
	t.Run("the owner logs in from an address that has not failed", func(t *testing.T) {
		if actor, err := s.Authorize(from("203.0.113.50", basic("alice", alicePassword)), need); err != nil || actor != "alice" {
			t.Fatalf("%q, %v", actor, err)
		}
	})
	t.Run("a new address gets one guess while the account is over budget", func(t *testing.T) {
		if _, err := s.Authorize(from("198.51.100.4", basic("alice", "guess")), need); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("first guess: %v", err)
		}
		if _, err := s.Authorize(from("198.51.100.4", basic("alice", "guess-again")), need); !errors.Is(err, ErrThrottled) {
			t.Fatalf("second guess: %v, want throttled", err)
		}
	})
	t.Run("names nobody has are counted the same", func(t *testing.T) {
		for _, addr := range []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"} {
			_, _ = s.Authorize(from(addr, basic("nobody", "guess")), nil)
		}
		if _, err := s.Authorize(from("198.51.100.1", basic("nobody", "guess")), nil); !errors.Is(err, ErrThrottled) {
			t.Fatalf("%v, want throttled", err)
		}
	})
	t.Run("once the budget refills the addresses may try again", func(t *testing.T) {
		s.now = func() time.Time { return testNow().Add(20 * time.Second) }
		if actor, err := s.Authorize(from("198.51.100.1", basic("alice", alicePassword)), need); err != nil || actor != "alice" {
			t.Fatalf("%q, %v", actor, err)
		}
	})
}

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::1/128")}
	for _, tt := range []struct {
		name    string
		remote  string
		forward []string
		want    string
	}{
		{"a direct client is its peer", "198.51.100.7:5000", nil, "198.51.100.7"},
		{"a direct client cannot claim another address", "198.51.100.7:5000", []string{"203.0.113.1"}, "198.51.100.7"},
		{"a trusted proxy's client is the last address it adds", "10.0.0.2:5000", []string{"203.0.113.1"}, "203.0.113.1"},
		{"what the client wrote before the proxy's entry is not read", "10.0.0.2:5000", []string{"192.0.2.66, 203.0.113.1"}, "203.0.113.1"},
		{"a chain of trusted proxies is walked", "10.0.0.2:5000", []string{"203.0.113.1, 10.1.1.1, 10.2.2.2"}, "203.0.113.1"},
		{"several headers are one list", "10.0.0.2:5000", []string{"192.0.2.66, 203.0.113.1", "10.1.1.1"}, "203.0.113.1"},
		{"a trusted proxy without the header is the client", "10.0.0.2:5000", nil, "10.0.0.2"},
		{"a list of trusted proxies only ends at its first", "10.0.0.2:5000", []string{"10.3.3.3, 10.1.1.1"}, "10.3.3.3"},
		{"an entry that is not an address ends the walk", "10.0.0.2:5000", []string{"203.0.113.1, unknown, 10.1.1.1"}, "10.1.1.1"},
		{"an empty entry ends the walk", "10.0.0.2:5000", []string{"203.0.113.1, "}, "10.0.0.2"},
		{"an entry with a port", "10.0.0.2:5000", []string{"203.0.113.1:4711"}, "203.0.113.1"},
		{"an IPv6 proxy and client", "[2001:db8::1]:443", []string{"[2001:db8:5::9]:1234"}, "2001:db8:5::9"},
		{"a mapped IPv4 client", "10.0.0.2:5000", []string{"::ffff:203.0.113.1"}, "203.0.113.1"},
		{"a peer that does not parse", "somewhere", []string{"203.0.113.1"}, "invalid IP"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/token", nil)
			r.RemoteAddr = tt.remote
			for _, h := range tt.forward {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := clientAddr(r, trusted).String(); got != tt.want {
				t.Fatalf("clientAddr = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClientsBehindATrustedProxyHaveTheirOwnBudgets(t *testing.T) {
	cfg := testConfig(t)
	cfg.FailedLoginsPerMinute = 3
	cfg.TrustedProxies = []string{"10.0.0.2"}
	s := newTestService(t, cfg)
	via := func(proxy, client, h string) *http.Request {
		r := from(proxy, h)
		r.Header.Set("X-Forwarded-For", client)
		return r
	}
	for range 3 {
		_, _ = s.Authorize(via("10.0.0.2", "198.51.100.9", basic("mallory", "guess")), nil)
	}
	if _, err := s.Authorize(via("10.0.0.2", "198.51.100.9", basic("mallory", "guess")), nil); !errors.Is(err, ErrThrottled) {
		t.Fatalf("the guesser behind the proxy: %v, want throttled", err)
	}
	if actor, err := s.Authorize(via("10.0.0.2", "203.0.113.5", basic("bob", bobPassword)), nil); err != nil || actor != "bob" {
		t.Fatalf("another client behind the same proxy: %q, %v", actor, err)
	}
	t.Run("a client that is not a trusted proxy cannot pick its address", func(t *testing.T) {
		for i := range 3 {
			_, _ = s.Authorize(via("198.51.100.20", "203.0.113."+string(rune('1'+i)), basic("mallory2", "guess")), nil)
		}
		if _, err := s.Authorize(via("198.51.100.20", "203.0.113.77", basic("mallory3", "guess")), nil); !errors.Is(err, ErrThrottled) {
			t.Fatalf("%v, want throttled: X-Forwarded-For from an untrusted peer was believed", err)
		}
	})
}

func TestBadTrustedProxiesAreRefused(t *testing.T) {
	cfg := testConfig(t)
	cfg.TrustedProxies = []string{"10.0.0.0/8", "proxy.example"}
	if _, err := New(cfg, t.TempDir()+"/token.key", discard()); err == nil || !strings.Contains(err.Error(), "proxy.example") {
		t.Fatalf("New = %v", err)
	}
}

func FuzzClientAddr(f *testing.F) {
	f.Add("10.0.0.2:5000", "203.0.113.1, 10.1.1.1")
	f.Add("[2001:db8::1]:443", "[2001:db8:5::9]:1234,unknown")
	f.Add("198.51.100.7:1", "")
	f.Add("10.0.0.2:5000", ",,,")
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/48")}
	f.Fuzz(func(t *testing.T, remote, forwarded string) {
		r := httptest.NewRequest(http.MethodGet, "/token", nil)
		r.RemoteAddr = remote
		r.Header.Set("X-Forwarded-For", forwarded)
		got := clientAddr(r, trusted)
		peer := parseHost(remote)
		if !isTrusted(peer, trusted) {
			if got != peer {
				t.Fatalf("untrusted peer %v: client %v", peer, got)
			}
			return
		}
		if got == peer {
			return
		}
		for _, hop := range strings.Split(forwarded, ",") {
			if parseHost(strings.TrimSpace(hop)) == got {
				return
			}
		}
		t.Fatalf("client %v is neither the peer %v nor an entry of %q", got, peer, forwarded)
	})
}
