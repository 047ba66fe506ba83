package auth

import (
	"math"
	"net/netip"
	"sync"
	"time"
)

// throttleSize bounds how many client addresses, account names and
// address-name pairs the throttle tracks, each. Past it, the entries
// that no longer hold anyone back are dropped; should every one still
// count, all are forgotten, so memory stays bounded at the cost of a
// fresh start for the attackers.
const throttleSize = 100_000

// triedTTL is how long an address that failed to log in to an account
// stays held back by that account's budget.
const triedTTL = time.Hour

// throttle limits failed logins with two budgets of the same rate, each
// perMinute failures in a burst and then one more each 1/perMinute of a
// minute:
//
//   - per client address: an address over its budget is refused before
//     any password it sends is checked;
//   - per account name, counting failures from every address: a name
//     over its budget refuses the addresses that failed against it in
//     the last triedTTL, and no other. Refusing every address would let
//     anyone lock an account's owner out by guessing at it; this way a
//     guesser spread over many addresses gets one guess per address
//     while the account is over budget, and the owner, from an address
//     that has not failed, still logs in.
//
// A login reserves its share of both budgets before its password is
// checked, and a success gives it back, so that concurrent guesses
// cannot get more checks than the budget holds. Names are counted
// whether or not an account has them, so that the answers do not tell
// which names exist.
type throttle struct {
	perMinute float64 // 0 turns the throttle off
	mu        sync.Mutex
	clients   map[netip.Prefix]*budget
	names     map[string]*budget
	tried     map[attempt]time.Time // when an address last tried a name and failed, or is trying
}

// budget is what is left of a budget, as of when.
type budget struct {
	left float64
	when time.Time
}

// attempt is a client address trying an account name.
type attempt struct {
	client netip.Prefix
	name   string
}

// ticket is a reservation for one login: what it took, for success to
// give back.
type ticket struct {
	attempt
	on           bool // the throttle is on
	client, name bool // a failure was taken from that budget
}

func newThrottle(perMinute int) *throttle {
	return &throttle{
		perMinute: float64(perMinute),
		clients:   map[netip.Prefix]*budget{},
		names:     map[string]*budget{},
		tried:     map[attempt]time.Time{},
	}
}

// refill returns what is left of b at now.
func (t *throttle) refill(b *budget, now time.Time) float64 {
	elapsed := max(now.Sub(b.when), 0)
	return math.Min(t.perMinute, b.left+elapsed.Minutes()*t.perMinute)
}

// set makes left what b holds as of now, or as of when it was last set
// if that is later: a login that took long must not move the budget's
// time back past one that started after it, which would refill it twice.
func set(b *budget, left float64, now time.Time) {
	b.left = left
	if now.After(b.when) {
		b.when = now
	}
}

// untilOne returns how long a budget with left must wait to hold one
// failure again.
func (t *throttle) untilOne(left float64) time.Duration {
	secs := math.Ceil((1 - left) / t.perMinute * 60)
	return time.Duration(secs) * time.Second
}

// check returns a *ThrottledError when the client is over its budget,
// or when the name is over its budget and the client tried it and failed
// of late; nil when the client may try to log in.
func (t *throttle) check(client netip.Prefix, name string, now time.Time) error {
	if t.perMinute == 0 {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	_, _, err := t.refusal(attempt{client, name}, now)
	return err
}

// refusal is check with t.mu held; it also returns what is left of the
// client's budget and the name's.
func (t *throttle) refusal(a attempt, now time.Time) (clientLeft, nameLeft float64, err error) {
	clientLeft, nameLeft = t.perMinute, t.perMinute
	if b := t.clients[a.client]; b != nil {
		clientLeft = t.refill(b, now)
	}
	if clientLeft < 1 {
		return 0, 0, &ThrottledError{RetryAfter: t.untilOne(clientLeft)}
	}
	if b := t.names[a.name]; b != nil {
		nameLeft = t.refill(b, now)
	}
	last, tried := t.tried[a]
	if nameLeft < 1 && tried && now.Sub(last) < triedTTL {
		return 0, 0, &ThrottledError{RetryAfter: t.untilOne(nameLeft), Account: true}
	}
	return clientLeft, nameLeft, nil
}

// reserve is check that also takes a failure from the client's budget
// and, while it has any, from the name's, before the password is
// checked.
func (t *throttle) reserve(client netip.Prefix, name string, now time.Time) (ticket, error) {
	tk := ticket{attempt: attempt{client, name}, on: t.perMinute > 0}
	if !tk.on {
		return tk, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	clientLeft, nameLeft, err := t.refusal(tk.attempt, now)
	if err != nil {
		return ticket{}, err
	}
	c := t.clients[client]
	if c == nil {
		c = add(t, t.clients, client, now)
	}
	set(c, clientLeft-1, now)
	tk.client = true
	if nameLeft >= 1 {
		n := t.names[name]
		if n == nil {
			n = add(t, t.names, name, now)
		}
		set(n, nameLeft-1, now)
		tk.name = true
	}
	// The attempt counts as tried from now on, so that an address gets
	// one guess at a name over its budget however many it sends at once.
	if len(t.tried) >= throttleSize {
		t.pruneTried(now)
	}
	t.tried[tk.attempt] = now
	return tk, nil
}

// succeeded gives a login that passed what it reserved back, and
// forgets that its client failed against the name.
func (t *throttle) succeeded(tk ticket, now time.Time) {
	if !tk.on {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.clients[tk.attempt.client]; b != nil && tk.client {
		set(b, math.Min(t.perMinute, t.refill(b, now)+1), now)
	}
	if b := t.names[tk.attempt.name]; b != nil && tk.name {
		set(b, math.Min(t.perMinute, t.refill(b, now)+1), now)
	}
	delete(t.tried, tk.attempt)
}

// failed records that a login that reserved failed, and reports whether
// that used up the client's budget and the name's.
func (t *throttle) failed(tk ticket, now time.Time) (clientOut, nameOut bool) {
	if !tk.on {
		return false, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.tried[tk.attempt] = now
	if b := t.clients[tk.attempt.client]; b != nil {
		clientOut = tk.client && t.refill(b, now) < 1
	}
	if b := t.names[tk.attempt.name]; b != nil {
		nameOut = tk.name && t.refill(b, now) < 1
	}
	return clientOut, nameOut
}

// add starts a whole budget for key in m, making room first if m is
// full.
func add[K comparable](t *throttle, m map[K]*budget, key K, now time.Time) *budget {
	if len(m) >= throttleSize {
		for k, b := range m {
			if t.refill(b, now) >= t.perMinute {
				delete(m, k)
			}
		}
		if len(m) >= throttleSize {
			clear(m)
		}
	}
	b := &budget{left: t.perMinute, when: now}
	m[key] = b
	return b
}

// pruneTried drops the attempts older than triedTTL, or all of them if
// none is.
func (t *throttle) pruneTried(now time.Time) {
	for a, when := range t.tried {
		if now.Sub(when) >= triedTTL {
			delete(t.tried, a)
		}
	}
	if len(t.tried) >= throttleSize {
		clear(t.tried)
	}
}
