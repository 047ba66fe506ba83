package webhook

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
)

const failedLine = `level=WARN msg="webhook delivery failed"`

func TestAttemptOutcomes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int // the receiver's answers in turn; stall for none
		opts     Options
		want     []int // the statuses recorded
		state    meta.DeliveryState
	}{
		{"a receiver that fails twice and then succeeds gets three attempts",
			[]int{500, 500, 200}, Options{}, []int{500, 500, 200}, meta.DeliveryDelivered},
		{"a 400 is not retried", []int{400}, Options{}, []int{400}, meta.DeliveryFailed},
		{"a 404 is not retried", []int{404}, Options{}, []int{404}, meta.DeliveryFailed},
		{"a redirect is neither followed nor retried", []int{302}, Options{}, []int{302}, meta.DeliveryFailed},
		{"408 and 429 are retried", []int{408, 429, 204}, Options{}, []int{408, 429, 204}, meta.DeliveryDelivered},
		{"a 503 is retried", []int{503, 202}, Options{}, []int{503, 202}, meta.DeliveryDelivered},
		{"a receiver that keeps failing gets MaxAttempts attempts",
			[]int{500}, Options{MaxAttempts: 4}, []int{500, 500, 500, 500}, meta.DeliveryFailed},
		{"no retry is scheduled past MaxAge",
			[]int{500}, Options{MaxAge: 1500 * time.Millisecond}, []int{500, 500}, meta.DeliveryFailed},
		{"a receiver that does not answer in time is retried",
			[]int{stall, 200}, Options{Timeout: 50 * time.Millisecond}, []int{0, 200}, meta.DeliveryDelivered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			rc := newReceiver(t, tc.statuses...)
			f.start([]config.Webhook{hook("ci", rc.URL)}, tc.opts)
			f.bus.Publish(event(events.ActionPush, "app", "v1"))

			d := f.waitFor("the delivery to end", finished(1))[0]
			var got []int
			for _, a := range d.Attempts {
				got = append(got, a.Status)
				if a.Status == 0 && a.Error == "" {
					t.Errorf("attempt without a response has no error: %+v", a)
				}
			}
			if !slices.Equal(got, tc.want) || d.State != tc.state {
				t.Fatalf("%s after %v, want %s after %v", d.State, got, tc.state, tc.want)
			}
			if n := len(rc.requests()); n != len(tc.want) {
				t.Errorf("receiver got %d requests, want %d", n, len(tc.want))
			}
			wantWarnings := 0
			if tc.state == meta.DeliveryFailed {
				wantWarnings = 1
			}
			if n := f.count(failedLine); n != wantWarnings {
				t.Errorf("%d failure warnings, want %d; logs:\n%s", n, wantWarnings, f.logs)
			}
			for i, slept := range f.clock.sleeps() {
				if full := time.Second << i; slept < full/2 || slept > full {
					t.Errorf("retry %d waited %s, want between %s and %s", i+1, slept, full/2, full)
				}
			}
		})
	}
}

func TestAFinalFailureIsLoggedOnceWithStableKeys(t *testing.T) {
	f := newFixture(t)
	rc := newReceiver(t, http.StatusInternalServerError)
	f.start([]config.Webhook{hook("ci", rc.URL)}, Options{MaxAttempts: 3})
	e := event(events.ActionPush, "team/api", "v1")
	f.bus.Publish(e)
	d := f.waitFor("the delivery to fail", finished(1))[0]

	logs := f.logs.String()
	want := failedLine + " webhook=ci delivery=" + d.ID + " repo=team/api digest=" + e.Digest +
		` attempts=3 err="HTTP 500 Internal Server Error"`
	if f.count(failedLine) != 1 || !strings.Contains(logs, want) {
		t.Fatalf("want one line with\n%s\nlogs:\n%s", want, logs)
	}
	if strings.Contains(logs, "level=INFO") {
		t.Fatalf("retries logged at info:\n%s", logs)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	f := newFixture(t)
	rc := unstartedReceiver(t, 0, http.StatusTooManyRequests, http.StatusOK)
	rc.Config.Handler = retryAfterHeader(rc.Config.Handler, "120")
	rc.Start()
	f.start([]config.Webhook{hook("ci", rc.URL)}, Options{})
	f.bus.Publish(event(events.ActionPush, "app", "v1"))
	f.waitFor("the delivery", finished(1))
	if slept := f.clock.sleeps(); len(slept) != 1 || slept[0] != 2*time.Minute {
		t.Fatalf("waited %v, want [2m0s]", slept)
	}
}

func retryAfterHeader(h http.Handler, seconds string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", seconds)
		h.ServeHTTP(w, r)
	})
}

func TestBackoff(t *testing.T) {
	for _, tc := range []struct {
		name     string
		retry    int
		low, top time.Duration
	}{
		{"the first retry waits up to a second", 1, 500 * time.Millisecond, time.Second},
		{"the second waits up to two", 2, time.Second, 2 * time.Second},
		{"the ninth waits up to 256 seconds", 9, 128 * time.Second, 256 * time.Second},
		{"the tenth reaches the cap", 10, 150 * time.Second, 5 * time.Minute},
		{"later ones stay at the cap", 1000, 150 * time.Second, 5 * time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := backoff(tc.retry, 0); got != tc.low {
				t.Errorf("shortest %s, want %s", got, tc.low)
			}
			if got := backoff(tc.retry, 0.9999999); got >= tc.top || got < tc.top-time.Millisecond {
				t.Errorf("longest %s, want just under %s", got, tc.top)
			}
		})
	}
}
