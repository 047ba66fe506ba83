package docker

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// filesTree makes a container's files directory under root for each
// of dirs (relative paths), each with one secret in it.
func filesTree(t *testing.T, root string, dirs ...string) {
	t.Helper()
	for _, d := range dirs {
		dir := filepath.Join(root, d)
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "secret-0"), []byte("s"), 0o400); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFilesOfEachEnvironmentLiveApart(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		d    *Driver
		want string
	}{
		{&Driver{filesDir: dir}, "_/shop"},
		{&Driver{filesDir: dir, instance: "i1"}, "i1/shop"},
		{&Driver{filesDir: dir, env: "production"}, "_/env=production/shop"},
		{&Driver{filesDir: dir, instance: "i1", adopt: true, env: "production", adoptEnv: true}, "i1/env=production/shop"},
	} {
		if got := tc.d.appFilesDir("shop"); got != filepath.Join(dir, tc.want) {
			t.Errorf("appFilesDir of %+v = %s, want <dir>/%s", scope{tc.d.instance, tc.d.env}, got, tc.want)
		}
	}
}

func TestSweepingKeepsLiveAndOtherEnvironmentsFiles(t *testing.T) {
	dir := t.TempDir()
	// The host after an upgrade: containers from before environments,
	// the adopting production's, integration's, and an app of a driver
	// without an environment that is called like an environment.
	filesTree(t, dir,
		"i1/shop/berth-shop-web-blue-r1-0-aaaa",                             // adopted, running
		"i1/shop/berth-shop-web-blue-r1-0-dead",                             // adopted, gone
		"i1/production/berth-production-web-blue-r1-0-pppp",                 // app "production", running
		"i1/env=production/shop/berth-production-shop-web-blue-r2-0-bbbb",   // running
		"i1/env=production/shop/berth-production-shop-web-blue-r2-0-gone",   // gone
		"i1/env=integration/shop/berth-integration-shop-web-blue-r1-0-cccc", // running
		"i1/env=integration/shop/berth-integration-shop-web-blue-r1-0-gone", // gone
	)
	live := map[string]bool{}
	for _, n := range []string{
		"berth-shop-web-blue-r1-0-aaaa", "berth-production-web-blue-r1-0-pppp",
		"berth-production-shop-web-blue-r2-0-bbbb", "berth-integration-shop-web-blue-r1-0-cccc",
	} {
		live[n] = true
	}
	for _, tc := range []struct {
		name string
		d    *Driver
		want []string
	}{
		{"a driver without an environment sweeps only its own apps", &Driver{filesDir: dir, instance: "i1"},
			[]string{"i1/shop/berth-shop-web-blue-r1-0-dead"}},
		{"the adopting environment sweeps its own and the adopted containers'",
			&Driver{filesDir: dir, instance: "i1", env: "production", adoptEnv: true},
			[]string{"i1/shop/berth-shop-web-blue-r1-0-dead", "i1/env=production/shop/berth-production-shop-web-blue-r2-0-gone"}},
		{"another environment sweeps only its own", &Driver{filesDir: dir, instance: "i1", env: "integration"},
			[]string{"i1/env=integration/shop/berth-integration-shop-web-blue-r1-0-gone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, app := range []string{"", "shop"} {
				var got []string
				for _, p := range tc.d.staleFiles(app, live) {
					rel, err := filepath.Rel(dir, p)
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, filepath.ToSlash(rel))
				}
				slices.Sort(got)
				want := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(got, want) {
					t.Errorf("staleFiles(%q) = %v, want %v", app, got, want)
				}
			}
		})
	}
}
