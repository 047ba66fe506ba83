package drivertest

import (
	"errors"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

func testPrepareReleaseIdempotent(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	if err := d.Prepare(ctx(t), app, driver.AppResources{}); err != nil {
		t.Fatalf("second Prepare: %v", err)
	}
	// The network is usable after a second Prepare.
	start(t, d, s.spec(app))
	if err := removeAll(t, d, app); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := d.Release(ctx(t), app, driver.ReleaseOptions{}); err != nil {
			t.Fatalf("Release #%d: %v", i+1, err)
		}
	}
}

func testReleaseInUse(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	inst := start(t, d, s.spec(app))
	if err := d.Stop(ctx(t), inst.ID, 0); err != nil {
		t.Fatal(err)
	}
	if err := d.Release(ctx(t), app, driver.ReleaseOptions{}); err == nil {
		t.Fatal("Release succeeded while a stopped container of the app is left")
	}
	if err := d.Remove(ctx(t), inst.ID); err != nil {
		t.Fatal(err)
	}
	if err := d.Release(ctx(t), app, driver.ReleaseOptions{}); err != nil {
		t.Fatalf("Release once no container is left: %v", err)
	}
}

// removeAll removes every container of app.
func removeAll(t testing.TB, d driver.Driver, app string) error {
	insts, err := d.List(ctx(t), app)
	if err != nil {
		return err
	}
	for _, inst := range insts {
		if err := d.Remove(ctx(t), inst.ID); err != nil && !errors.Is(err, driver.ErrNotFound) {
			return err
		}
	}
	return nil
}
