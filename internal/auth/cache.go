package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"sync"
	"time"
)

// A password check costs a bcrypt comparison, hundreds of milliseconds
// by design. Clients that send Basic credentials with every request
// (curl, scripts) would pay it each time, so a successful check is
// remembered for a while.
const (
	loginCacheTTL  = 5 * time.Minute
	loginCacheSize = 1024
)

// loginCache remembers name and password pairs that passed a check,
// keyed by an HMAC under a key made for this process: the passwords
// themselves are never kept. Only successes are added.
type loginCache struct {
	key []byte
	ttl time.Duration
	max int

	mu    sync.Mutex
	until map[[sha256.Size]byte]time.Time
}

func newLoginCache(ttl time.Duration, max int) (*loginCache, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return &loginCache{key: key, ttl: ttl, max: max, until: make(map[[sha256.Size]byte]time.Time)}, nil
}

func (c *loginCache) id(name, password string) [sha256.Size]byte {
	m := hmac.New(sha256.New, c.key)
	// Account names never hold a NUL, so the pair is unambiguous.
	m.Write([]byte(name))
	m.Write([]byte{0})
	m.Write([]byte(password))
	var id [sha256.Size]byte
	m.Sum(id[:0])
	return id
}

// has reports whether name and password passed a check less than the
// TTL before now.
func (c *loginCache) has(name, password string, now time.Time) bool {
	id := c.id(name, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	until, ok := c.until[id]
	if ok && !now.Before(until) {
		delete(c.until, id)
		return false
	}
	return ok
}

// add remembers that name and password passed a check at now. When the
// cache is full it drops expired entries, then the one closest to
// expiring.
func (c *loginCache) add(name, password string, now time.Time) {
	id := c.id(name, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.until[id]; !ok && len(c.until) >= c.max {
		c.evict(now)
	}
	c.until[id] = now.Add(c.ttl)
}

func (c *loginCache) evict(now time.Time) {
	var oldest [sha256.Size]byte
	var first time.Time
	for id, until := range c.until {
		if !now.Before(until) {
			delete(c.until, id)
			continue
		}
		if first.IsZero() || until.Before(first) {
			oldest, first = id, until
		}
	}
	if len(c.until) >= c.max {
		delete(c.until, oldest)
	}
}

func (c *loginCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.until)
}
