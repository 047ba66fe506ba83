package api

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// requestID names a request in the log and in its error answer: the
// client's own X-Request-Id when it is a sane one, so that the client's
// logs and berth's meet, else 16 new hex digits. The registry under /v2/
// follows the same rule.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); saneRequestID(id) {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails
	return hex.EncodeToString(b[:])
}

// saneRequestID accepts 1 to 64 visible ASCII characters: nothing that
// could break a header, a log line or a JSON string.
func saneRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}
