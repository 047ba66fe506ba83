package webhook

import (
	"context"
	"time"
)

// Clock tells the time and waits. Tests pass one that moves its time
// forward instead of waiting.
type Clock interface {
	Now() time.Time
	// Sleep waits for d, or returns ctx.Err() when ctx ends first (at
	// once if it has ended, whatever d is).
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
