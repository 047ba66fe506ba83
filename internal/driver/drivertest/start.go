package drivertest

import (
	"net/http"
	"testing"
	"time"
)

func testStartAnswers(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	begin := time.Now()
	inst := start(t, d, s.spec(app))
	started := time.Since(begin)
	if !inst.Running() {
		t.Fatalf("Start returned state %q, want running", inst.State)
	}
	if inst.ID == "" || inst.Name == "" || inst.Addr == "" {
		t.Fatalf("Start returned %+v, want an ID, a name and an address", inst)
	}
	if inst.Health != "none" {
		t.Errorf("Health = %q, want none for a container without a healthcheck", inst.Health)
	}
	if inst.StartedAt.IsZero() || time.Since(inst.StartedAt) > time.Minute {
		t.Errorf("StartedAt = %v, want just now", inst.StartedAt)
	}
	ready := waitReady(t, inst.Addr)
	t.Logf("Start took %s; the app answered %s later at %s", started.Round(time.Millisecond), ready.Round(time.Millisecond), inst.Addr)
	r, err := get(ctx(t), inst.Addr, "/")
	if err != nil {
		t.Fatal(err)
	}
	if r.status != http.StatusOK || r.body != "v1\n" || r.version != "v1" {
		t.Fatalf("GET / = %d %q (X-Version %q), want 200 \"v1\\n\" (v1)", r.status, r.body, r.version)
	}
}

func testStartConfig(t *testing.T, s *suite) {
	for _, tc := range []struct {
		name       string
		env        []string
		entrypoint []string
		command    []string
		want       string
	}{
		{"the image's defaults apply without any", nil, nil, nil, "v1\n"},
		{"env overrides the image's", []string{"VERSION=from-env"}, nil, nil, "from-env\n"},
		{"a command is passed to the image's entrypoint", nil, nil, []string{"-version", "from-command"}, "from-command\n"},
		{"an entrypoint replaces the image's", nil, []string{"/app", "-version", "from-entrypoint"}, nil, "from-entrypoint\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := s.newDriver(t)
			app := newApp(t, d)
			spec := s.spec(app)
			spec.Env, spec.Entrypoint, spec.Command = tc.env, tc.entrypoint, tc.command
			inst := start(t, d, spec)
			waitReady(t, inst.Addr)
			r, err := get(ctx(t), inst.Addr, "/")
			if err != nil {
				t.Fatal(err)
			}
			if r.body != tc.want {
				t.Fatalf("GET / = %q, want %q", r.body, tc.want)
			}
		})
	}
}
