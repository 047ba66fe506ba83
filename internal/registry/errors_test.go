package registry

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/auth"
)

func TestAThrottledLoginGets429WithRetryAfter(t *testing.T) {
	err := fmt.Errorf("authorizing: %w", &auth.ThrottledError{RetryAfter: 7 * time.Second})
	w := httptest.NewRecorder()
	writeError(w, httptest.NewRequest(http.MethodGet, "/v2/", nil), slog.New(slog.DiscardHandler), err)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "7" {
		t.Fatalf("status %d, Retry-After %q; want 429 and 7", w.Code, w.Header().Get("Retry-After"))
	}
	var body errorBody
	if err := json.NewDecoder(w.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if len(body.Errors) != 1 || body.Errors[0].Code != codeTooManyRequests || !strings.Contains(body.Errors[0].Message, "try again in 7s") {
		t.Fatalf("body %+v", body)
	}
}
