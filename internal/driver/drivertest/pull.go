package drivertest

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// repository strips the digest off a pinned reference.
func repository(ref string) string {
	repo, _, _ := strings.Cut(ref, "@")
	return repo
}

func testPullNever(t *testing.T, s *suite) {
	d := s.newDriver(t)
	ref := s.env.Image(t, "v-never")
	err := d.Pull(ctx(t), ref, driver.PullNever)
	if !errors.Is(err, driver.ErrImage) {
		t.Fatalf("Pull(never) of an image the host lacks = %v, want ErrImage", err)
	}
	if err := d.Pull(ctx(t), s.image, driver.PullNever); err != nil {
		t.Fatalf("Pull(never) of an image the host has = %v, want nil", err)
	}
}

func testPullMissing(t *testing.T, s *suite) {
	d := s.newDriver(t)
	ref := s.env.Image(t, "v-missing")
	count := func() int {
		if s.env.ManifestRequests == nil {
			return 0
		}
		return s.env.ManifestRequests(ref)
	}
	before := count()
	if err := d.Pull(ctx(t), ref, driver.PullMissing); err != nil {
		t.Fatalf("Pull(missing) of an image the host lacks: %v", err)
	}
	pulled := count()
	if s.env.ManifestRequests != nil && pulled == before {
		t.Fatal("Pull(missing) of an image the host lacks did not reach the registry")
	}
	if err := d.Pull(ctx(t), ref, driver.PullMissing); err != nil {
		t.Fatalf("Pull(missing) of an image the host has: %v", err)
	}
	if err := d.Pull(ctx(t), ref, driver.PullNever); err != nil {
		t.Fatalf("Pull(never) after a pull: %v", err)
	}
	if n := count(); n != pulled {
		t.Fatalf("Pull(missing) of an image the host has reached the registry (%d manifest requests, want %d)", n, pulled)
	}
	// A runtime may skip the registry for a digest it has (Docker does):
	// the content behind a digest cannot change.
	if err := d.Pull(ctx(t), ref, driver.PullAlways); err != nil {
		t.Fatalf("Pull(always): %v", err)
	}
}

func testPullUnknownTag(t *testing.T, s *suite) {
	d := s.newDriver(t)
	ref := repository(s.image) + ":no-such-tag-" + randomHex(t, 4)
	err := d.Pull(ctx(t), ref, driver.PullAlways)
	if !errors.Is(err, driver.ErrImage) {
		t.Fatalf("Pull(%s) = %v, want ErrImage", ref, err)
	}
	t.Logf("the registry's refusal: %v", err)
}

func testPullUnknownDigest(t *testing.T, s *suite) {
	d := s.newDriver(t)
	ref := fmt.Sprintf("%s@sha256:%x", repository(s.image), sha256.Sum256([]byte(randomHex(t, 8))))
	for _, policy := range []driver.PullPolicy{driver.PullAlways, driver.PullMissing} {
		err := d.Pull(ctx(t), ref, policy)
		if !errors.Is(err, driver.ErrImage) {
			t.Fatalf("Pull(%s, %s) = %v, want ErrImage", ref, policy, err)
		}
	}
}

func testStartWithoutImage(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	spec := s.spec(app)
	spec.Image = s.env.Image(t, "v-absent")
	inst, err := d.Start(ctx(t), spec)
	removeLater(t, d, inst)
	if !errors.Is(err, driver.ErrImage) {
		t.Fatalf("Start of an image the host lacks = %v, want ErrImage", err)
	}
	expectNoContainers(t, d, app)
}

func testStartFailure(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	spec := s.spec(app)
	spec.Entrypoint = []string{"/no/such/program"}
	inst, err := d.Start(ctx(t), spec)
	removeLater(t, d, inst)
	if err == nil {
		t.Fatalf("Start of a program the image lacks succeeded: %+v", inst)
	}
	t.Logf("the runtime's refusal: %v", err)
	expectNoContainers(t, d, app)
}

func expectNoContainers(t testing.TB, d driver.Driver, app string) {
	t.Helper()
	insts, err := d.List(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if len(insts) != 0 {
		t.Fatalf("a failed Start left %d containers: %+v", len(insts), insts)
	}
}
