package memory

import (
	"context"
	"fmt"
	"io"

	"github.com/berth-dev/berth/internal/driver"
)

// Logs writes the container's output to w. With Follow it goes on until
// the container exits or ctx ends.
func (d *Driver) Logs(ctx context.Context, id string, opts driver.LogOptions, w io.Writer) error {
	d.mu.Lock()
	c, ok := d.ctrs[id]
	var exited chan struct{}
	if ok {
		exited = c.exited
	}
	d.mu.Unlock()
	if !ok {
		return fmt.Errorf("reading logs of container %s: %w", id, driver.ErrNotFound)
	}
	chunks, more := c.logs.from(0)
	var past []byte
	for _, ch := range chunks {
		if opts.Since.IsZero() || !ch.at.Before(opts.Since) {
			past = append(past, ch.data...)
		}
	}
	if _, err := w.Write(tail(past, opts.Tail)); err != nil {
		return fmt.Errorf("reading logs of container %s: %w", id, err)
	}
	for next := len(chunks); opts.Follow; {
		select {
		case <-ctx.Done():
			return nil
		case <-more:
		case <-exited:
			// What it wrote last is in the buffer: write it, then end.
			chunks, _ = c.logs.from(next)
			for _, ch := range chunks {
				if _, err := w.Write(ch.data); err != nil {
					return fmt.Errorf("reading logs of container %s: %w", id, err)
				}
			}
			return nil
		}
		chunks, more = c.logs.from(next)
		next += len(chunks)
		for _, ch := range chunks {
			if _, err := w.Write(ch.data); err != nil {
				return fmt.Errorf("reading logs of container %s: %w", id, err)
			}
		}
	}
	return nil
}

// tail returns the last n lines of b, all of it when n is 0.
func tail(b []byte, n int) []byte {
	if n <= 0 {
		return b
	}
	end := len(b)
	if end > 0 && b[end-1] == '\n' {
		end--
	}
	for i := end; i > 0; i-- {
		if b[i-1] == '\n' {
			n--
			if n == 0 {
				return b[i:]
			}
		}
	}
	return b
}
