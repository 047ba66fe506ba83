package server

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestInheritedFromEnvReadsTheHandedDescriptors(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == EnvUpgrade {
				return v
			}
			return ""
		}
	}
	if in, err := InheritedFromEnv(env("")); in != nil || err != nil {
		t.Fatalf("without %s: %v %v, want nothing", EnvUpgrade, in, err)
	}
	// Descriptors of the test's own, which the Files then own.
	var fds [3]int
	for i := range fds {
		fd, err := syscall.Dup(int(os.Stderr.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		fds[i] = fd
	}
	in, err := InheritedFromEnv(env(fmt.Sprintf("registry=%d,proxy=%d,ready=%d", fds[0], fds[1], fds[2])))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Registry.Close()
	defer in.Proxy.Close()
	defer in.Ready.Close()
	if int(in.Registry.Fd()) != fds[0] || int(in.Proxy.Fd()) != fds[1] || int(in.Ready.Fd()) != fds[2] {
		t.Fatalf("got %+v", in)
	}
	// Each is refused before any File is made.
	for _, bad := range []string{"registry=3", "registry=x,proxy=4,ready=5", "registry=1,proxy=4,ready=5", "other=6,registry=3,proxy=4,ready=5", "nonsense"} {
		if _, err := InheritedFromEnv(env(bad)); err == nil {
			t.Errorf("%s=%q was accepted", EnvUpgrade, bad)
		}
	}
}

func TestSameAddressTakesPortZeroForAny(t *testing.T) {
	for _, tc := range []struct {
		running, want string
		same          bool
	}{
		{"127.0.0.1:8000", "127.0.0.1:8000", true},
		{"127.0.0.1:41234", "127.0.0.1:0", true},
		{"127.0.0.1:8000", "127.0.0.1:8001", false},
		{"127.0.0.1:8000", "10.0.0.1:8000", false},
		{"[::]:8000", ":8000", true},
		{"garbage", "127.0.0.1:8000", false},
	} {
		if got := sameAddress(tc.running, tc.want); got != tc.same {
			t.Errorf("sameAddress(%q, %q) = %v, want %v", tc.running, tc.want, got, tc.same)
		}
	}
}

func TestThePidFileNamesThisProcess(t *testing.T) {
	dir := t.TempDir()
	if _, err := ReadPid(dir); err == nil {
		t.Fatal("ReadPid of a directory without a berth serve succeeded")
	}
	if err := writePid(dir); err != nil {
		t.Fatal(err)
	}
	if pid, err := ReadPid(dir); err != nil || pid != os.Getpid() {
		t.Fatalf("ReadPid = %d, %v; want %d", pid, err, os.Getpid())
	}
	if err := os.WriteFile(pidPath(dir), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPid(dir); err == nil {
		t.Fatal("ReadPid accepted a pid file without a pid")
	}
	if UpgradeFailure(dir) != "" {
		t.Fatal("an upgrade failure before any upgrade")
	}
	if err := os.WriteFile(upgradeErrPath(dir), []byte("it exited\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := UpgradeFailure(dir); got != "it exited" {
		t.Fatalf("UpgradeFailure = %q", got)
	}
	if err := ClearUpgradeFailure(dir); err != nil || UpgradeFailure(dir) != "" {
		t.Fatalf("ClearUpgradeFailure: %v", err)
	}
}
