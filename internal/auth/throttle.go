package auth

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// throttleSize bounds how many client addresses the throttle tracks.
// Past it, the addresses that may try again at full strength are dropped;
// should every one still be throttled, all are forgotten, so memory stays
// bounded at the cost of a fresh start for the attackers.
const throttleSize = 100_000

// throttle limits failed logins per client address: perMinute failures
// in a burst, then one more each 1/perMinute of a minute. A client over
// its limit is refused before its password is checked, which also spares
// the bcrypt time a password guess costs. Successful logins cost nothing.
type throttle struct {
	perMinute float64 // 0 turns the throttle off
	mu        sync.Mutex
	clients   map[netip.Prefix]*failures
}

// failures is a client's budget of failed logins, as of when.
type failures struct {
	left float64
	when time.Time
}

func newThrottle(perMinute int) *throttle {
	return &throttle{perMinute: float64(perMinute), clients: map[netip.Prefix]*failures{}}
}

// clientKey is the address a request's failures count against: its IPv4
// address, or its IPv6 /64, since one host commonly holds a whole /64.
// A remote address that does not parse counts as one client.
func clientKey(r *http.Request) netip.Prefix {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Prefix{}
	}
	addr = addr.Unmap()
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	p, _ := addr.Prefix(bits)
	return p
}

// refill returns the client's budget at now.
func (t *throttle) refill(f *failures, now time.Time) float64 {
	elapsed := max(now.Sub(f.when), 0)
	return math.Min(t.perMinute, f.left+elapsed.Minutes()*t.perMinute)
}

// wait returns how long the client must wait before it may try to log
// in, 0 when it may now.
func (t *throttle) wait(key netip.Prefix, now time.Time) time.Duration {
	if t.perMinute == 0 {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.clients[key]
	if f == nil {
		return 0
	}
	left := t.refill(f, now)
	if left >= 1 {
		return 0
	}
	secs := math.Ceil((1 - left) / t.perMinute * 60)
	return time.Duration(secs) * time.Second
}

// fail counts a failed login of the client and reports whether that used
// up its budget.
func (t *throttle) fail(key netip.Prefix, now time.Time) (exhausted bool) {
	if t.perMinute == 0 {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	f := t.clients[key]
	if f == nil {
		if len(t.clients) >= throttleSize {
			t.prune(now)
		}
		f = &failures{left: t.perMinute, when: now}
		t.clients[key] = f
	}
	f.left, f.when = t.refill(f, now)-1, now
	return f.left < 1
}

// prune drops the clients whose budget is whole again, or all of them if
// none is.
func (t *throttle) prune(now time.Time) {
	for k, f := range t.clients {
		if t.refill(f, now) >= t.perMinute {
			delete(t.clients, k)
		}
	}
	if len(t.clients) >= throttleSize {
		clear(t.clients)
	}
}
