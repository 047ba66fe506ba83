package drivertest

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// clusterKeys are the keys only a driver that places containers on the
// nodes of a cluster can apply.
var clusterKeys = []string{
	"deploy.placement", "deploy.placement.constraints", "deploy.placement.preferences",
	"deploy.endpoint_mode", "deploy.labels", "deploy.resources.reservations.generic_resources",
}

func testClusterKeys(t *testing.T, s *suite) {
	d := s.newDriver(t)
	refuser, ok := d.(driver.Refuser)
	if !ok {
		t.Fatalf("%s is no driver.Refuser, so it claims to place containers on the nodes of a cluster: implement Refuses", d.Name())
	}
	for _, key := range clusterKeys {
		if why := refuser.Refuses(key); why != "" && !strings.Contains(why, d.Name()) {
			t.Errorf("Refuses(%q) = %q: the reason does not name the driver %q", key, why, d.Name())
		}
	}
}

// testVolumeData writes through one container, reads through the next
// revision's, and checks which releases keep the data.
func testVolumeData(t *testing.T, s *suite) {
	d := s.newDriver(t)
	res := driver.AppResources{Volumes: []driver.Volume{{Name: "data", Labels: map[string]string{"org.example.kind": "db"}}}}
	app := newAppWith(t, d, res)
	mounted := s.spec(app)
	mounted.Runtime.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data"}}
	if refused(t, d, mounted, "volumes") {
		return
	}
	revision := 0
	// run starts the next revision with the volume at /data, lets check
	// look inside, and removes it.
	run := func(check func(inst driver.Instance)) {
		t.Helper()
		revision++
		spec := s.spec(app)
		spec.Revision = revision
		spec.Runtime.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "data", Target: "/data"}}
		inst := start(t, d, spec)
		waitReady(t, inst.Addr)
		check(inst)
		if err := d.Remove(ctx(t), inst.ID); err != nil {
			t.Fatal(err)
		}
	}
	read := func(want string) func(driver.Instance) {
		return func(inst driver.Instance) {
			status, body := appDo(t, inst, http.MethodGet, "/fs?path=/data/f", "")
			switch {
			case want == "" && status != http.StatusNotFound:
				t.Fatalf("revision %d: /data/f is there (%d %s), want a new, empty volume", revision, status, body)
			case want != "" && (status != http.StatusOK || !strings.Contains(body, `"content":"`+want+`"`)):
				t.Fatalf("revision %d: /data/f = %d %s, want %q", revision, status, body, want)
			}
		}
	}
	prepare := func() {
		t.Helper()
		if err := d.Prepare(ctx(t), app, res); err != nil {
			t.Fatal(err)
		}
	}
	release := func(opts driver.ReleaseOptions) {
		t.Helper()
		if err := d.Release(ctx(t), app, opts); err != nil {
			t.Fatal(err)
		}
	}

	run(func(inst driver.Instance) {
		if msg := appWrite(t, inst, "/data/f", "kept"); msg != "" {
			t.Fatalf("writing to the volume: %s", msg)
		}
	})
	run(read("kept"))
	release(driver.ReleaseOptions{})
	prepare()
	run(read("kept"))
	release(driver.ReleaseOptions{Volumes: true})
	prepare()
	run(read(""))
}

func testExternalMissing(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := "dt-" + randomHex(t, 4)
	missing := "berth-test-missing-" + randomHex(t, 4)
	t.Cleanup(func() { removeApp(t, d, app, driver.ReleaseOptions{Volumes: true}) })
	for _, res := range []driver.AppResources{
		{Networks: []driver.Network{{Name: "ext", External: missing}}},
		{Volumes: []driver.Volume{{Name: "ext", External: missing}}},
	} {
		err := d.Prepare(ctx(t), app, res)
		if !errors.Is(err, driver.ErrNotFound) || !strings.Contains(err.Error(), missing) {
			t.Errorf("Prepare with the missing external %+v = %v, want ErrNotFound naming %s", res, err, missing)
		}
	}
}

func testPrepareMore(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	more := driver.AppResources{
		Networks: []driver.Network{{Name: "back", Internal: true, Labels: map[string]string{"org.example.tier": "back"}}},
		Volumes:  []driver.Volume{{Name: "cache"}},
	}
	if err := d.Prepare(ctx(t), app, more); err != nil {
		t.Fatalf("Prepare with more: %v", err)
	}
	spec := s.spec(app)
	spec.Runtime.Networks = []driver.NetworkAttachment{{Name: driver.DefaultNetwork}, {Name: "back"}}
	spec.Runtime.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "cache", Target: "/cache"}}
	if refused(t, d, spec, "networks") || refused(t, d, spec, "volumes") {
		return
	}
	inst := start(t, d, spec)
	waitReady(t, inst.Addr)
	if msg := appWrite(t, inst, "/cache/f", "x"); msg != "" {
		t.Fatalf("writing to the volume of the second Prepare: %s", msg)
	}
	spec.Index = 1
	spec.Runtime.Mounts = []driver.Mount{{Type: driver.MountVolume, Source: "none", Target: "/none"}}
	other, err := d.Start(ctx(t), spec)
	removeLater(t, d, other)
	if !errors.Is(err, driver.ErrNotFound) {
		t.Fatalf("Start with a volume no Prepare made = %v, want ErrNotFound", err)
	}
}
