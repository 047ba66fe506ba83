package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
)

// Headers of every delivery request.
const (
	HeaderEvent     = "X-Berth-Event"     // the event's action: push, delete or pull
	HeaderDelivery  = "X-Berth-Delivery"  // the delivery ID, the same on every attempt
	HeaderTimestamp = "X-Berth-Timestamp" // when the attempt was made, in Unix seconds
	HeaderSignature = "X-Berth-Signature" // "sha256=" and the hex HMAC of "<timestamp>.<body>"
)

const signaturePrefix = "sha256="

// ErrSignature reports a signature that does not prove the body came from
// someone holding the secret.
var ErrSignature = errors.New("webhook signature does not match")

// Sign returns the X-Berth-Signature value for body sent at timestamp, the
// X-Berth-Timestamp value.
func Sign(secret, timestamp string, body []byte) string {
	return signaturePrefix + hex.EncodeToString(mac(secret, timestamp, body))
}

// Verify checks signature, the X-Berth-Signature value, against the body
// and timestamp (the X-Berth-Timestamp value, as received) with the
// webhook's secret, in constant time. It returns ErrSignature unless the
// signature is exact. It does not judge the timestamp's age: a receiver
// should also refuse timestamps far from its own clock, which stops
// replays of old deliveries.
func Verify(secret, timestamp string, body []byte, signature string) error {
	sum, ok := strings.CutPrefix(signature, signaturePrefix)
	if !ok || secret == "" || !isDigits(timestamp) {
		return ErrSignature
	}
	got, err := hex.DecodeString(sum)
	if err != nil || !hmac.Equal(got, mac(secret, timestamp, body)) {
		return ErrSignature
	}
	return nil
}

// mac is the HMAC-SHA256 of "<timestamp>.<body>". Timestamps are digits
// only, so where the timestamp ends and the body starts is never in doubt.
func mac(secret, timestamp string, body []byte) []byte {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(timestamp))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// isDigits reports whether s is a plausible Unix time in seconds.
func isDigits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
