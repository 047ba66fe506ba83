package githook

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// authentic reports whether any header of r carries a valid signature
// or token for body: what every request Read lets through must have.
func authentic(h http.Header, body, secret []byte) bool {
	if len(secret) == 0 {
		return false
	}
	mac := hexMAC(secret, body)
	scheme, token, _ := strings.Cut(h.Get("Authorization"), " ")
	return strings.EqualFold(h.Get("X-Hub-Signature-256"), "sha256="+mac) ||
		strings.EqualFold(h.Get("X-Gitea-Signature"), mac) ||
		strings.EqualFold(h.Get("X-Forgejo-Signature"), mac) ||
		h.Get("X-Gitlab-Token") == string(secret) ||
		strings.EqualFold(scheme, "Bearer") && strings.TrimLeft(token, " ") == string(secret)
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"github-push.json", "gitlab-push.json", "gitea-push.json", "github-ping.json"} {
		body := fixture(f, name)
		for kind := range byte(5) {
			f.Add(kind, "push", "", body, testSecret, true, false)
		}
	}
	f.Add(byte(0), "ping", "sha256=00", []byte(`{"zen":"x"}`), testSecret, false, false)
	f.Add(byte(3), "Push Hook", "guess", []byte(`{"object_kind":"push","ref":"refs/heads/main"}`), testSecret, false, false)
	f.Add(byte(4), "", "Bearer s3cret", []byte(`{"ref":"main","after":"0000000000000000000000000000000000000000"}`), []byte("s3cret"), false, false)
	f.Add(byte(0), "push", "", []byte("payload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D"), testSecret, true, true)
	f.Add(byte(4), "", "", []byte{}, []byte{}, true, false)
	f.Fuzz(func(t *testing.T, kind byte, event, sig string, body, secret []byte, signRight, form bool) {
		r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		if form {
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		mac := hexMAC(secret, body)
		if signRight {
			sig = map[byte]string{0: "sha256=" + mac, 3: string(secret), 4: "Bearer " + string(secret)}[kind%5]
			if kind%5 == 1 || kind%5 == 2 {
				sig = mac
			}
		}
		// Header values with bytes net/http would refuse to send are
		// still given to Read: a server may see anything.
		switch kind % 5 {
		case 0:
			r.Header["X-Github-Event"] = []string{event}
			r.Header["X-Hub-Signature-256"] = []string{sig}
		case 1:
			r.Header["X-Gitea-Event"] = []string{event}
			r.Header["X-Gitea-Signature"] = []string{sig}
		case 2:
			r.Header["X-Forgejo-Event"] = []string{event}
			r.Header["X-Forgejo-Signature"] = []string{sig}
		case 3:
			r.Header["X-Gitlab-Event"] = []string{event}
			r.Header["X-Gitlab-Token"] = []string{sig}
		case 4:
			r.Header["Authorization"] = []string{sig}
		}
		p, err := Read(r, secret)
		signed := err == nil || errors.Is(err, ErrNotPush) || errors.Is(err, ErrPayload)
		if signed && !authentic(r.Header, body, secret) {
			t.Fatalf("Read let an unsigned request through: %+v, %v", p, err)
		}
		if err != nil {
			if p != (Push{}) {
				t.Fatalf("a refused request gave %+v", p)
			}
			return
		}
		if p.Ref != "" && !validRef(p.Ref) || p.Commit != "" && !validCommit(p.Commit) ||
			p.Branch != "" && p.Ref != "refs/heads/"+p.Branch || p.Provider == "" {
			t.Fatalf("Read gave %+v", p)
		}
	})
}
