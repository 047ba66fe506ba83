package proxy

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"strconv"
)

// The sticky cookie names the set and revision that served a client,
// signed with a key the proxy draws when it starts, so that a client can
// neither pick a set by naming it nor stay on a set across revisions. The
// key is kept in the State, so that a restored proxy honours the cookies
// the one before signed; a proxy started afresh draws a new key, and
// every sticky client then gets one new weighted pick, as it does when a
// new revision comes.

// stickyKeySize is the length of the key sticky cookies are signed with.
const stickyKeySize = 32

// newStickyKey draws a key for sticky cookies.
func newStickyKey() []byte {
	key := make([]byte, stickyKeySize)
	rand.Read(key) // never fails, see crypto/rand.Read
	return key
}

// stickyValue is the sticky cookie's value for host's set name at
// revision: the set, its revision and a MAC of the three, so that a
// cookie of one route, set or revision matches no other.
func stickyValue(key []byte, host, name string, revision int) string {
	rev := strconv.Itoa(revision)
	m := hmac.New(sha256.New, key)
	m.Write([]byte(host))
	m.Write([]byte{0})
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(rev))
	sum := m.Sum(nil)
	return name + "." + rev + "." + base64.RawURLEncoding.EncodeToString(sum[:16])
}

// stickySet returns the set with weight whose sticky cookie value is v,
// or nil for a value the proxy did not issue for one of them.
func (rt *route) stickySet(v string) *set {
	for _, s := range rt.weighted {
		if sameSecret(v, s.cookie) {
			return s
		}
	}
	return nil
}

// sameSecret compares a and b in a time that depends on their lengths
// only, so that a client learns nothing of a MAC from how long a wrong
// guess takes.
func sameSecret(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	var diff byte
	for i := 0; i < len(a); i++ {
		diff |= a[i] ^ b[i]
	}
	return diff == 0
}

// cookieName is the sticky cookie's name for host.
func cookieName(host string) string {
	h := fnv.New32a()
	h.Write([]byte(host))
	return fmt.Sprintf("berth_%08x", h.Sum32())
}
