package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/testapp"
)

// TestBlueGreenVerification rolls the test app out blue-green with a
// verification job, the test app's own probe run from berth's registry
// against the preview host through the proxy: a version that passes
// takes the traffic, one that fails is rolled back, and the job's
// result and output are in berth history and berth logs --verify.
func TestBlueGreenVerification(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir())
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/app", "v1", "v2")
	e := newDeployEnv(t, b, builder, "e2e/app")
	spec := func(version, expect string) string {
		return e.spec(version, e.routed("blue-green", "", fmt.Sprintf(`      verify:
        image: %s:v1
        command: ["-probe"]
        environment: {EXPECT_BODY: %s}
        timeout: 1m
`, e.repo, expect)))
	}

	e.deploy(spec("v1", "v1"), true)
	e.serves("v1", 10)
	l := e.startLoad()
	out := e.deploy(spec("v2", "v2"), true)
	l.expectClean(t, "v1", "v2")
	if !strings.Contains(out, "verification passed before the switch") {
		t.Errorf("the deploy does not say the verification passed:\n%s", out)
	}
	e.serves("v2", 20)

	l = e.startLoad()
	out = e.deploy(spec("v1", "v9"), false)
	l.expectClean(t, "v2")
	if !strings.Contains(out, "verification failed before the switch: exit code 1") || !strings.Contains(out, "rolled back") {
		t.Errorf("the deploy does not say the verification failed and it rolled back:\n%s", out)
	}
	e.serves("v2", 20)
	if st := e.status(); st.Live != 2 {
		t.Errorf("live revision %d, want 2", st.Live)
	}

	history, code := e.berthCmd("history", e.app)
	if code != 0 {
		t.Fatalf("history: %s", history)
	}
	for _, want := range []string{
		"verify web once the first version took the traffic: passed (exit 0",
		"verify web before the switch: passed (exit 0",
		"verify web before the switch: failed (exit code 1",
	} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	logs, code := e.berthCmd("logs", e.app, "--verify")
	if code != 0 {
		t.Fatalf("logs --verify: %s", logs)
	}
	for _, want := range []string{
		"=== revision 3, web, verification before the switch: failed (exit code 1",
		"probe: GET http://" + previewOf(e.host) + ":", "200 OK\nv1\n", `the body does not contain "v9"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs --verify lacks %q:\n%s", want, logs)
		}
	}
	if logs, _ := e.berthCmd("logs", e.app, "--verify", "--revision", "2"); !strings.Contains(logs, "200 OK\nv2\n") || !strings.Contains(logs, "PASS") {
		t.Errorf("logs --verify --revision 2:\n%s", logs)
	}
	left, err := exec.Command("docker", "ps", "-aq", "--filter", "label=berth.run", "--filter", "label=berth.app="+e.app).Output()
	if err != nil || strings.TrimSpace(string(left)) != "" {
		t.Errorf("verification containers are left: %q %v", left, err)
	}
}
