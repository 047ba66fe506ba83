package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestPublishWithoutThePushRight is refused before anything is built,
// with the grant that would allow it.
func TestPublishWithoutThePushRight(t *testing.T) {
	requireDocker(t)
	path := filepath.Join(t.TempDir(), "berth.yaml")
	berthCLI(t, "", "init", "--config", path)
	token := strings.TrimSpace(berthCLI(t, "", "robot", "add", "reader", "--config", path, "--access", "shop/**=pull"))
	b := startBerth(t, t.TempDir(), "--config", path)
	g := newGitRepo(t)
	cmd := exec.Command(berthBin, "publish", "--context", g.dir, "--progress", "plain",
		"--server", "http://"+b.addr, "--user", "reader", "--image", b.addr+"/shop/web")
	cmd.Env = append(os.Environ(), "BERTH_PASSWORD="+token)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	want := "reader may not push to shop/web: grant it with berth robot grant reader --access 'shop/web=pull,push'"
	if err == nil || !strings.Contains(stderr.String(), want) {
		t.Fatalf("publish without the push right: %v, stdout %q, want %q in:\n%s", err, stdout.String(), want, stderr.String())
	}
	if strings.Contains(stderr.String(), "publishing ") || strings.Contains(stderr.String(), "Step ") {
		t.Fatalf("the refused publish built first:\n%s", stderr.String())
	}
}
