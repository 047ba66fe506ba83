package docker_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// What the conformance suite needs of this host.

// blockDevice returns a disk of the host, for block I/O limits.
func blockDevice(t testing.TB) string {
	t.Helper()
	entries, err := os.ReadDir("/sys/block")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "loop") || strings.HasPrefix(name, "ram") || strings.HasPrefix(name, "zram") {
			continue
		}
		if _, err := os.Stat("/dev/" + name); err == nil {
			return "/dev/" + name
		}
	}
	t.Fatal("the host has no block device for block I/O limits")
	return ""
}

// otherRuntime returns an OCI runtime the daemon has besides its
// default.
func otherRuntime(t testing.TB) string {
	t.Helper()
	out, err := exec.Command("docker", "info", "--format", "{{json .Runtimes}} {{.DefaultRuntime}}").Output()
	if err != nil {
		t.Fatalf("docker info: %v", err)
	}
	runtimes, dflt, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	var all map[string]any
	if err := json.Unmarshal([]byte(runtimes), &all); err != nil {
		t.Fatalf("docker info runtimes %q: %v", runtimes, err)
	}
	var names []string
	for name := range all {
		if name != dflt {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		t.Fatal("the daemon has no OCI runtime besides its default")
	}
	slices.Sort(names)
	return names[0]
}

// removeCgroups removes the cgroup parent the suite made containers
// under, in every hierarchy: the daemon leaves it when its containers
// are gone.
func removeCgroups(t testing.TB, parent string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", parent))
	if v2 := filepath.Join("/sys/fs/cgroup", parent); isDir(v2) {
		dirs = append(dirs, v2)
	}
	for _, dir := range dirs {
		if err := os.Remove(dir); err != nil && !os.IsNotExist(err) {
			t.Errorf("removing cgroup %s: %v", dir, err)
		}
	}
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
