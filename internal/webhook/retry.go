package webhook

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/meta"
)

// Retry delays: the n-th retry waits between half and all of
// min(minBackoff·2^(n-1), maxBackoff).
const (
	minBackoff = time.Second
	maxBackoff = 5 * time.Minute
)

// verdict is what the outcome of an attempt means for its delivery.
type verdict int

const (
	delivered verdict = iota
	retry
	refused
)

// judge says what a response status means: 2xx delivered; 408, 429 and
// 5xx worth retrying; anything else, a redirect included, refused.
func judge(status int) verdict {
	switch {
	case status >= 200 && status < 300:
		return delivered
	case status == http.StatusRequestTimeout, status == http.StatusTooManyRequests, status >= 500:
		return retry
	default:
		return refused
	}
}

// retryAfter reads a Retry-After header given in seconds, at most
// maxBackoff.
func retryAfter(h http.Header) time.Duration {
	s, err := strconv.Atoi(h.Get("Retry-After"))
	if err != nil || s <= 0 {
		return 0
	}
	return time.Duration(min(s, int(maxBackoff/time.Second))) * time.Second
}

// settle sets del's state after an attempt and, when it is to be retried,
// when.
func (r *run) settle(del *meta.Delivery, v verdict, after time.Duration) {
	del.NextAttempt = time.Time{}
	switch {
	case v == delivered:
		del.State = meta.DeliveryDelivered
		return
	case v == refused, len(del.Attempts) >= r.opts.MaxAttempts:
		del.State = meta.DeliveryFailed
		return
	}
	next := r.opts.Clock.Now().Add(max(backoff(len(del.Attempts), rand.Float64()), after))
	if next.After(del.Created.Add(r.opts.MaxAge)) {
		del.State = meta.DeliveryFailed
		return
	}
	del.NextAttempt = next
}

// backoff is the wait before retry n (1 for the first); frac, in [0, 1),
// places it between half and all of min(minBackoff·2^(n-1), maxBackoff).
func backoff(n int, frac float64) time.Duration {
	d := minBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	return d/2 + time.Duration(frac*float64(d/2))
}
