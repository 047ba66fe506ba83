package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestVerify(t *testing.T) {
	body := []byte(`{"delivery":"d1","webhook":"ci","event":{}}`)
	const ts = "1793534400"
	good := Sign(secret, ts, body)
	for _, tc := range []struct {
		name            string
		secret, ts, sig string
		body            []byte
		verifies        bool
	}{
		{name: "the exact signature verifies", secret: secret, ts: ts, body: body, sig: good, verifies: true},
		{name: "upper-case hex is the same signature", secret: secret, ts: ts, body: body, sig: "sha256=" + strings.ToUpper(good[7:]), verifies: true},
		{name: "another secret does not", secret: "another-secret-of-16", ts: ts, body: body, sig: good},
		{name: "a changed body does not", secret: secret, ts: ts, body: []byte(`{"delivery":"d2"}`), sig: good},
		{name: "another timestamp does not", secret: secret, ts: "1793534401", body: body, sig: good},
		{name: "a timestamp with the body's start moved into it does not", secret: secret, ts: ts + ".{", body: body[1:], sig: good},
		{name: "a missing prefix does not", secret: secret, ts: ts, body: body, sig: good[7:]},
		{name: "another algorithm's prefix does not", secret: secret, ts: ts, body: body, sig: "sha1=" + good[7:]},
		{name: "a truncated signature does not", secret: secret, ts: ts, body: body, sig: good[:len(good)-2]},
		{name: "a signature that is not hex does not", secret: secret, ts: ts, body: body, sig: "sha256=zz" + good[9:]},
		{name: "an empty header does not", secret: secret, ts: ts, body: body, sig: ""},
		{name: "an empty secret verifies nothing", secret: "", ts: ts, body: body, sig: Sign("", ts, body)},
		{name: "a timestamp that is not a number does not", secret: secret, ts: "soon", body: body, sig: Sign(secret, "soon", body)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Verify(tc.secret, tc.ts, tc.body, tc.sig)
			if tc.verifies && err != nil {
				t.Fatalf("got %v, want it verified", err)
			}
			if !tc.verifies && !errors.Is(err, ErrSignature) {
				t.Fatalf("got %v, want ErrSignature", err)
			}
		})
	}
}

// A receiver in another language computes the same signature from the
// documented recipe.
func TestTheSignatureFollowsTheDocumentedRecipe(t *testing.T) {
	body := []byte(`{"x":1}`)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("1700000000." + string(body)))
	if want := "sha256=" + hex.EncodeToString(m.Sum(nil)); Sign(secret, "1700000000", body) != want {
		t.Fatalf("Sign differs from HMAC-SHA256 of \"<timestamp>.<body>\"")
	}
}

func FuzzVerify(f *testing.F) {
	body := []byte(`{"delivery":"d1"}`)
	f.Add(secret, "1793534400", body, Sign(secret, "1793534400", body))
	f.Add(secret, "1793534400", body, "sha256=")
	f.Add(secret, "1", []byte{}, "sha256=00")
	f.Add("", "", []byte(nil), "")
	f.Add("k", "12", []byte("x"), "sha256=ZZZZ")
	f.Fuzz(func(t *testing.T, secret, ts string, body []byte, sig string) {
		err := Verify(secret, ts, body, sig)
		want := Sign(secret, ts, body)
		exact := secret != "" && isDigits(ts) && strings.EqualFold(sig, want)
		if (err == nil) != exact {
			t.Fatalf("Verify(%q, %q, %q, %q) = %v; the exact signature is %s", secret, ts, body, sig, err, want)
		}
		if secret != "" && isDigits(ts) {
			if err := Verify(secret, ts, body, want); err != nil {
				t.Fatalf("the exact signature was refused: %v", err)
			}
		}
	})
}
