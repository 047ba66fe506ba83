package auth

import (
	"fmt"
	"testing"
	"time"
)

func TestLoginCache(t *testing.T) {
	now := testNow()
	t.Run("a pair is remembered until it expires", func(t *testing.T) {
		c, err := newLoginCache(time.Minute, 8)
		if err != nil {
			t.Fatal(err)
		}
		c.add("alice", "pw", now)
		if !c.has("alice", "pw", now.Add(59*time.Second)) {
			t.Fatal("forgotten too early")
		}
		if c.has("alice", "pw", now.Add(time.Minute)) {
			t.Fatal("remembered past the TTL")
		}
		if c.len() != 0 {
			t.Fatalf("an expired entry stayed: %d", c.len())
		}
	})
	t.Run("another password or name is not the same pair", func(t *testing.T) {
		c, _ := newLoginCache(time.Minute, 8)
		c.add("alice", "pw", now)
		for _, p := range [][2]string{{"alice", "pw2"}, {"alice", ""}, {"bob", "pw"}, {"alic", "epw"}} {
			if c.has(p[0], p[1], now) {
				t.Fatalf("%q/%q found", p[0], p[1])
			}
		}
	})
	t.Run("a full cache stays bounded and keeps the newest", func(t *testing.T) {
		c, _ := newLoginCache(time.Minute, 4)
		for i := range 10 {
			c.add(fmt.Sprint("user", i), "pw", now.Add(time.Duration(i)*time.Second))
		}
		if c.len() != 4 {
			t.Fatalf("%d entries, want 4", c.len())
		}
		if !c.has("user9", "pw", now.Add(10*time.Second)) || c.has("user0", "pw", now.Add(10*time.Second)) {
			t.Fatal("evicted the wrong entry")
		}
	})
	t.Run("two caches do not share keys", func(t *testing.T) {
		a, _ := newLoginCache(time.Minute, 4)
		b, _ := newLoginCache(time.Minute, 4)
		if a.id("alice", "pw") == b.id("alice", "pw") {
			t.Fatal("same HMAC key in two caches")
		}
	})
}

func TestLoginRemembersOnlySuccess(t *testing.T) {
	s := newTestService(t, testConfig(t))
	if _, err := s.login("alice", "wrong-password"); err == nil {
		t.Fatal("a wrong password logged in")
	}
	if s.logins.len() != 0 {
		t.Fatal("a failure was remembered")
	}
	if _, err := s.login("alice", alicePassword); err != nil {
		t.Fatal(err)
	}
	if !s.logins.has("alice", alicePassword, testNow()) {
		t.Fatal("a success was not remembered")
	}
	// The remembered pair answers without bcrypt: with the hash gone,
	// only the cache can let alice in.
	s.accounts["alice"].hash = nil
	if _, err := s.login("alice", alicePassword); err != nil {
		t.Fatalf("cached login: %v", err)
	}
	if _, err := s.login("alice", "wrong-password"); err == nil {
		t.Fatal("a wrong password logged in beside a cached one")
	}
	if _, err := s.login("ci", ciToken); err != nil || s.logins.len() != 1 {
		t.Fatalf("robot login %v; cache holds %d (robots need no cache)", err, s.logins.len())
	}
}
