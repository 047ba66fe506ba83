package drivertest

import (
	"fmt"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

func testHealth(t *testing.T, s *suite) {
	for _, tc := range []struct {
		name string
		env  []string
		want string
	}{
		{"a container whose check passes becomes healthy", nil, "healthy"},
		{"a container with FAIL_HEALTH=1 becomes unhealthy", []string{"FAIL_HEALTH=1"}, "unhealthy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := s.newDriver(t)
			app := newApp(t, d)
			spec := s.spec(app)
			spec.Env = tc.env
			// The image has no shell: the app checks itself.
			spec.Health = &driver.Healthcheck{
				Test:     []string{"CMD", "/app", "-healthcheck"},
				Interval: 500 * time.Millisecond,
				Timeout:  3 * time.Second,
				Retries:  2,
			}
			inst := start(t, d, spec)
			if inst.Health != "starting" && inst.Health != tc.want {
				t.Errorf("Start returned health %q, want starting", inst.Health)
			}
			begin := time.Now()
			eventually(t, 30*time.Second, func() error {
				got, err := d.Inspect(ctx(t), inst.ID)
				if err != nil {
					return err
				}
				if got.Health != tc.want {
					return fmt.Errorf("health is %q, want %q", got.Health, tc.want)
				}
				return nil
			})
			t.Logf("%s after %s", tc.want, time.Since(begin).Round(time.Millisecond))
			listed, err := d.List(ctx(t), app)
			if err != nil {
				t.Fatal(err)
			}
			if len(listed) != 1 || listed[0].Health != tc.want {
				t.Fatalf("List(%s) = %+v, want one instance with health %q", app, listed, tc.want)
			}
		})
	}
}
