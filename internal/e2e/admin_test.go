package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// berthAs runs the berth binary with BERTH_PASSWORD set and returns its
// stdout, stderr and exit code.
func berthAs(t testing.TB, password string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(berthBin, args...)
	cmd.Env = append(os.Environ(), "BERTH_PASSWORD="+password)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

func TestAdminCommandsAgainstAnAuthenticatingServer(t *testing.T) {
	setup := writeAuthConfig(t)
	berthCLI(t, "root-e2e-password\n", "user", "add", "root", "--config", setup.path, "--admin")
	b := startBerth(t, t.TempDir(), "--config", setup.path)
	server := "http://" + b.addr

	img, _ := random.Image(1024, 1)
	ref, _ := name.ParseReference(b.addr+"/e2e/app:v1.0.0", name.Insecure)
	alice := remote.WithAuth(&authn.Basic{Username: "alice", Password: alicePassword})
	if err := remote.Write(ref, img, alice); err != nil {
		t.Fatal(err)
	}

	t.Run("an admin sees alice's push in the audit log", func(t *testing.T) {
		out, stderr, code := berthAs(t, "root-e2e-password", "registry", "audit", "--server", server, "--user", "root")
		if code != 0 || !strings.Contains(out, "alice") || !strings.Contains(out, "e2e/app") || !strings.Contains(out, "v1.0.0") {
			t.Fatalf("exit %d\n%s%s", code, out, stderr)
		}
	})
	t.Run("an admin runs garbage collection", func(t *testing.T) {
		out, stderr, code := berthAs(t, "root-e2e-password", "registry", "gc", "--dry-run", "--server", server, "--user", "root")
		if code != 0 || !strings.Contains(out, "gc would remove") {
			t.Fatalf("exit %d\n%s%s", code, out, stderr)
		}
	})
	t.Run("a user who is not an admin is refused", func(t *testing.T) {
		_, stderr, code := berthAs(t, alicePassword, "registry", "gc", "--server", server, "--user", "alice")
		if code == 0 || !strings.Contains(stderr, "403") {
			t.Fatalf("exit %d %s", code, stderr)
		}
	})
	t.Run("nobody without credentials gets in", func(t *testing.T) {
		_, stderr, code := berthAs(t, "", "registry", "audit", "--server", server)
		if code == 0 || !strings.Contains(stderr, "401") {
			t.Fatalf("exit %d %s", code, stderr)
		}
	})
	t.Run("a release tag cannot be overwritten, even by its pusher", func(t *testing.T) {
		other, _ := random.Image(1024, 1)
		if err := remote.Write(ref, other, alice); err == nil || !strings.Contains(err.Error(), "immutable") {
			t.Fatalf("overwrite = %v", err)
		}
	})
}
