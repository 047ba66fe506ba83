package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fail reserves a login of name from client and records it failed.
func (t *throttle) fail(tb testing.TB, client netip.Prefix, name string, now time.Time) (clientOut, nameOut bool) {
	tb.Helper()
	tk, err := t.reserve(client, name, now)
	if err != nil {
		tb.Fatalf("reserving a login of %s from %s: %v", name, client, err)
	}
	return t.failed(tk, now)
}

// wait is how long check tells client to wait before it tries name.
func (t *throttle) wait(client netip.Prefix, name string, now time.Time) time.Duration {
	var th *ThrottledError
	if errors.As(t.check(client, name, now), &th) {
		return th.RetryAfter
	}
	return 0
}

func TestThrottleBudget(t *testing.T) {
	th := newThrottle(6) // a failure back every 10s
	key := netip.MustParsePrefix("192.0.2.1/32")
	other := netip.MustParsePrefix("192.0.2.2/32")
	now := testNow()
	for i := range 5 {
		if w := th.wait(key, "alice", now); w != 0 {
			t.Fatalf("failure %d: told to wait %s within the burst", i+1, w)
		}
		if out, _ := th.fail(t, key, "alice", now); out {
			t.Fatalf("failure %d used up a budget of 6", i+1)
		}
	}
	if out, _ := th.fail(t, key, "alice", now); !out {
		t.Fatal("the 6th failure did not use up the budget")
	}
	if w := th.wait(key, "bob", now); w != 10*time.Second {
		t.Fatalf("wait %s after the budget ran out, want 10s", w)
	}
	if w := th.wait(other, "bob", now); w != 0 {
		t.Fatalf("another address must wait %s", w)
	}
	if w := th.wait(key, "bob", now.Add(4*time.Second)); w != 6*time.Second {
		t.Fatalf("wait %s 4s later, want 6s", w)
	}
	later := now.Add(10 * time.Second)
	if w := th.wait(key, "bob", later); w != 0 {
		t.Fatalf("wait %s once a failure came back", w)
	}
	if out, _ := th.fail(t, key, "bob", later); !out {
		t.Fatal("the failure that came back was not the only one")
	}
	if w := th.wait(key, "bob", later.Add(time.Hour)); w != 0 {
		t.Fatalf("wait %s an hour later", w)
	}
}

func TestThrottleGivesASuccessBack(t *testing.T) {
	th := newThrottle(2)
	key := netip.MustParsePrefix("192.0.2.1/32")
	now := testNow()
	for range 10 {
		tk, err := th.reserve(key, "alice", now)
		if err != nil {
			t.Fatalf("a client that only succeeds was refused: %v", err)
		}
		th.succeeded(tk, now)
	}
	th.fail(t, key, "alice", now)
	if w := th.wait(key, "alice", now); w != 0 {
		t.Fatalf("one failure in a budget of 2: wait %s", w)
	}
}

func TestThrottleTimeNeverGoesBack(t *testing.T) {
	th := newThrottle(6) // a failure back every 10s
	key := netip.MustParsePrefix("192.0.2.1/32")
	t0 := testNow()
	slow, err := th.reserve(key, "alice", t0)
	if err != nil {
		t.Fatal(err)
	}
	t1 := t0.Add(5 * time.Second)
	for i := range 5 {
		th.fail(t, key, "n"+strconv.Itoa(i), t1)
	}
	// The slow login started before the others and ends with the time it
	// started at: it gives its failure back, and that is all.
	th.succeeded(slow, t0)
	th.fail(t, key, "bob", t1)
	if w := th.wait(key, "carol", t1); w == 0 {
		t.Fatal("a success that started early refilled the budget for the time between")
	}
}

func TestThrottleOff(t *testing.T) {
	th := newThrottle(0)
	key := netip.MustParsePrefix("192.0.2.1/32")
	for range 100 {
		if out, nameOut := th.fail(t, key, "alice", testNow()); out || nameOut {
			t.Fatal("a throttle that is off ran out")
		}
	}
	if w := th.wait(key, "alice", testNow()); w != 0 || th.len() != 0 {
		t.Fatalf("a throttle that is off: wait %s, %d clients", w, th.len())
	}
}

func TestThrottleStaysBounded(t *testing.T) {
	th := newThrottle(1)
	now := testNow()
	addr := func(i int) netip.Prefix {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
	}
	for i := range throttleSize {
		th.fail(t, addr(i), "n"+strconv.Itoa(i), now)
	}
	if n := th.len(); n != throttleSize {
		t.Fatalf("%d clients, want %d", n, throttleSize)
	}
	// A minute on every budget is whole again and goes to make room.
	th.fail(t, netip.MustParsePrefix("192.0.2.1/32"), "someone", now.Add(time.Minute))
	if n := th.len(); n != 1 {
		t.Fatalf("%d clients after pruning, want 1", n)
	}
	// Should none be whole, all go rather than the maps growing.
	for i := range throttleSize {
		th.fail(t, addr(i), "n"+strconv.Itoa(i), now.Add(2*time.Minute))
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	if len(th.clients) > throttleSize || len(th.names) > throttleSize || len(th.tried) > throttleSize {
		t.Fatalf("%d clients, %d names, %d attempts: over the bound %d", len(th.clients), len(th.names), len(th.tried), throttleSize)
	}
}

func TestClientKey(t *testing.T) {
	for remote, want := range map[string]string{
		"192.0.2.7:5000":             "192.0.2.7/32",
		"[::ffff:192.0.2.7]:5000":    "192.0.2.7/32",
		"[2001:db8:1:2:3:4:5:6]:443": "2001:db8:1:2::/64",
		"[2001:db8:1:2:ffff::1]:443": "2001:db8:1:2::/64",
		"not an address":             "invalid Prefix",
		"[fe80::1%eth0]:80":          "fe80::/64",
		"203.0.113.9":                "203.0.113.9/32",
	} {
		r := httptest.NewRequest(http.MethodGet, "/v2/", nil)
		r.RemoteAddr = remote
		if got := clientKey(clientAddr(r, nil)).String(); got != want {
			t.Errorf("clientKey(%q) = %s, want %s", remote, got, want)
		}
	}
}

// throttledService allows 3 failed logins a minute per address.
func throttledService(t *testing.T) *Service {
	t.Helper()
	cfg := testConfig(t)
	cfg.FailedLoginsPerMinute = 3
	return newTestService(t, cfg)
}

func TestAuthorizeThrottlesFailedLogins(t *testing.T) {
	s := throttledService(t)
	for i := range 3 {
		_, err := s.Authorize(request(basic("alice", "guess")), []Scope{repo("team/app", "pull")})
		var ch *ChallengeError
		if !errors.As(err, &ch) {
			t.Fatalf("guess %d: %v, want a challenge", i+1, err)
		}
	}
	// Now even the right password is refused, before it is checked.
	_, err := s.Authorize(request(basic("alice", alicePassword)), []Scope{repo("team/app", "pull")})
	var th *ThrottledError
	if !errors.As(err, &th) || !errors.Is(err, ErrThrottled) || th.RetryAfterSeconds() != "20" {
		t.Fatalf("after 3 failures: %v, want throttled for 20s", err)
	}
	if !strings.Contains(err.Error(), "try again in 20s") {
		t.Fatalf("message %q does not say when to try again", err)
	}
	// Another client is not affected, nor are tokens already issued.
	r := request(basic("alice", alicePassword))
	r.RemoteAddr = "198.51.100.1:1234"
	if actor, err := s.Authorize(r, []Scope{repo("team/app", "pull")}); err != nil || actor != "alice" {
		t.Fatalf("another address: %q, %v", actor, err)
	}
	tok := mustIssue(t, s, "alice", Access{Type: TypeRepository, Name: "team/app", Actions: []string{"pull"}})
	if _, err := s.Authorize(request("Bearer "+tok), []Scope{repo("team/app", "pull")}); err != nil {
		t.Fatalf("a token from the throttled address: %v", err)
	}
	// 20s on, one more try is allowed.
	s.now = func() time.Time { return testNow().Add(20 * time.Second) }
	if actor, err := s.Authorize(request(basic("alice", alicePassword)), []Scope{repo("team/app", "pull")}); err != nil || actor != "alice" {
		t.Fatalf("20s later: %q, %v", actor, err)
	}
}

func TestTokenEndpointThrottlesFailedLogins(t *testing.T) {
	s := throttledService(t)
	get := func(user, pass string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/token?service=berth-test&scope=repository:team/app:pull", nil)
		r.Header.Set("Authorization", basic(user, pass))
		w := httptest.NewRecorder()
		s.TokenHandler().ServeHTTP(w, r)
		return w
	}
	for i := range 3 {
		if w := get("ci", "berth_wrong"); w.Code != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d, want 401", i+1, w.Code)
		}
	}
	w := get("ci", ciToken)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "20" {
		t.Fatalf("after 3 failures: status %d, Retry-After %q; want 429 and 20", w.Code, w.Header().Get("Retry-After"))
	}
	var body tokenError
	if err := json.NewDecoder(w.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Errors) != 1 || body.Errors[0].Code != "TOOMANYREQUESTS" || !strings.Contains(body.Description, "too many failed logins") {
		t.Fatalf("body %+v", body)
	}
}

// len is how many client addresses the throttle tracks.
func (t *throttle) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.clients)
}
