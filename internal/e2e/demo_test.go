package e2e

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDemoRunsToCompletion runs `berth demo` non-interactively, as CI
// and a newcomer without a terminal would, and checks its transcript. It
// runs where no examples/ is, as an installed binary does.
func TestDemoRunsToCompletion(t *testing.T) {
	requireDocker(t)
	t.Cleanup(func() {
		// The demo removes its app; this catches what a failed run left.
		out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=berth.test=1", "--filter", "label=berth.demo=1").Output()
		if ids := strings.Fields(string(out)); len(ids) > 0 {
			t.Errorf("the demo left %d containers", len(ids))
			_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
		}
		_ = exec.Command("docker", "network", "rm", "berth-hello").Run()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, berthBin, "demo", "--non-interactive",
		"--listen", "127.0.0.1:0", "--proxy-listen", "127.0.0.1:0", "--label", "berth.test=1")
	cmd.Dir = t.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("berth demo: %v\n%s", err, out.String())
	}
	transcript := out.String()
	for _, want := range []string{
		"==> 1/7 Start berth",
		"$ berth publish --context",
		":v1.0.0@sha256:",
		"Hello from berth: version v1.0.0",
		":v1.1.0@sha256:",
		"[rollout] ",
		"$ berth rollout promote hello",
		"v1.1.0 is live on every replica",
		"$ berth rollback hello",
		"rollback to 1", // the history shows the rollback
		", 0 failed",
		"Open http://hello.localhost:",
		"Demo finished",
		"$ berth remove hello --yes",
	} {
		if !strings.Contains(transcript, want) {
			t.Errorf("the transcript lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("transcript:\n%s", transcript)
	}
}
