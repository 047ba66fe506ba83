package drivertest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// sameInstance reports how got differs from want in what berth reads
// back from the host.
func sameInstance(got, want driver.Instance) error {
	type key struct {
		ID, Name, App, Service, Set, Image, Addr string
		Revision, Index                          int
	}
	g := key{got.ID, got.Name, got.App, got.Service, got.Set, got.Image, got.Addr, got.Revision, got.Index}
	w := key{want.ID, want.Name, want.App, want.Service, want.Set, want.Image, want.Addr, want.Revision, want.Index}
	if g != w {
		return fmt.Errorf("got %+v, want %+v", g, w)
	}
	return nil
}

func testLabelsRoundTrip(t *testing.T, s *suite) {
	d := s.newDriver(t)
	app := newApp(t, d)
	spec := s.spec(app)
	spec.Service, spec.Revision, spec.Set, spec.Index = "api", 7, "green", 2
	spec.Labels["com.example.team"] = "payments"
	started := start(t, d, spec)
	want := driver.Instance{
		ID: started.ID, Name: started.Name, App: app, Service: "api", Revision: 7, Set: "green", Index: 2,
		Image: s.image, Addr: started.Addr,
	}
	if err := sameInstance(started, want); err != nil {
		t.Fatalf("Start: %v", err)
	}
	inspected, err := d.Inspect(ctx(t), started.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := sameInstance(inspected, want); err != nil {
		t.Fatalf("Inspect: %v", err)
	}
	listed, err := d.List(ctx(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if len(listed) != 1 {
		t.Fatalf("List(%s) returned %d instances, want 1", app, len(listed))
	}
	if err := sameInstance(listed[0], want); err != nil {
		t.Fatalf("List: %v", err)
	}
	for name, inst := range map[string]driver.Instance{"Start": started, "Inspect": inspected, "List": listed[0]} {
		for k, v := range spec.Labels {
			if got := inst.Labels[k]; got != v {
				t.Errorf("%s: label %s = %q, want %q", name, k, got, v)
			}
		}
		if inst.Labels[driver.LabelManaged] != "1" {
			t.Errorf("%s: label %s = %q, want 1", name, driver.LabelManaged, inst.Labels[driver.LabelManaged])
		}
	}
}

func testListFiltersByApp(t *testing.T, s *suite) {
	d := s.newDriver(t)
	a, b := newApp(t, d), newApp(t, d)
	inA := start(t, d, s.spec(a))
	specB := s.spec(b)
	specB.Index = 1
	inB := start(t, d, specB)
	for _, tc := range []struct {
		app     string
		want    []string
		notWant []string
	}{
		{a, []string{inA.ID}, []string{inB.ID}},
		{b, []string{inB.ID}, []string{inA.ID}},
		{"", []string{inA.ID, inB.ID}, nil},
	} {
		insts, err := d.List(ctx(t), tc.app)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, inst := range insts {
			ids = append(ids, inst.ID)
		}
		for _, id := range tc.want {
			if !slices.Contains(ids, id) {
				t.Errorf("List(%q) lacks %s", tc.app, id)
			}
		}
		for _, id := range tc.notWant {
			if slices.Contains(ids, id) {
				t.Errorf("List(%q) includes %s of another app", tc.app, id)
			}
		}
		if tc.app != "" && len(ids) != 1 {
			t.Errorf("List(%q) returned %d instances, want 1", tc.app, len(ids))
		}
	}
}
