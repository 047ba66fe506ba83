package drivertest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// buffer is a bytes.Buffer that a following Logs may write to while the
// test reads it.
type buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

const (
	startLine = "testapp v1 listening on "
	stopLine  = "testapp v1 stopped\n"
)

func testLogs(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	inst := start(t, d, s.spec(app))
	eventually(t, 20*time.Second, func() error {
		var out buffer
		if err := d.Logs(ctx(t), inst.ID, driver.LogOptions{}, &out); err != nil {
			return err
		}
		if !strings.HasPrefix(out.String(), startLine) {
			return fmt.Errorf("logs are %q, want them to start with %q", out.String(), startLine)
		}
		return nil
	})
}

func testLogsFollow(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	inst := start(t, d, s.spec(app))
	var out buffer
	followed := make(chan error, 1)
	c, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() { followed <- d.Logs(c, inst.ID, driver.LogOptions{Follow: true}, &out) }()
	eventually(t, 20*time.Second, func() error {
		if !strings.Contains(out.String(), startLine) {
			return fmt.Errorf("followed logs are %q, want the start line", out.String())
		}
		return nil
	})
	if err := d.Stop(ctx(t), inst.ID, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-followed:
		if err != nil {
			t.Fatalf("following logs: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("following logs went on 20s after the container stopped")
	}
	if got := out.String(); !strings.HasSuffix(got, stopLine) {
		t.Fatalf("followed logs are %q, want them to end with %q", got, stopLine)
	}

	var tail buffer
	if err := d.Logs(ctx(t), inst.ID, driver.LogOptions{Tail: 1}, &tail); err != nil {
		t.Fatal(err)
	}
	if tail.String() != stopLine {
		t.Fatalf("the last line of the logs is %q, want %q", tail.String(), stopLine)
	}
	var since buffer
	if err := d.Logs(ctx(t), inst.ID, driver.LogOptions{Since: time.Now().Add(time.Hour)}, &since); err != nil {
		t.Fatal(err)
	}
	if since.String() != "" {
		t.Fatalf("logs since an hour from now are %q, want none", since.String())
	}
}
