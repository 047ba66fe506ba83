package e2e

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/testapp"
)

// TestDeployStrategies rolls the test app out with every strategy under
// steady load through the proxy: no request may fail.
func TestDeployStrategies(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir())
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/app", "v1", "v2")

	for _, order := range []string{"start-first", "stop-first"} {
		t.Run("a rolling update "+order+" with 3 replicas fails no request", func(t *testing.T) {
			e := newDeployEnv(t, b, builder, "e2e/app")
			e.deploy(e.spec("v1", e.routed("rolling", ", order: "+order, "")), true)
			e.serves("v1", 20)
			l := e.startLoad()
			out := e.deploy(e.spec("v2", e.routed("rolling", ", order: "+order, "")), true)
			answers := l.expectClean(t, "v1", "v2")
			if answers["v2"] == 0 {
				t.Errorf("no request reached v2 during the rollout:\n%s", out)
			}
			e.serves("v2", 20)
			if got := e.containers(); len(got) != 3 {
				t.Errorf("containers after the rollout: %v, want 3 of revision 2", got)
			}
		})
	}

	t.Run("a blue-green switch is previewed, confirmed, atomic and instantly reversible", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/app")
		bg := e.routed("blue-green", "", "      confirm: manual\n      keep_previous: 2m\n")
		e.deploy(e.spec("v1", bg), true)
		l := e.startLoad()
		e.deploy(e.spec("v2", bg), true, "--detach")
		e.waitPaused("waiting for the switch")
		if code, body, err := e.get(httpClient(), previewOf(e.host)); err != nil || code != 200 || body != "v2" {
			t.Fatalf("preview host answered %d %q %v, want v2", code, body, err)
		}
		e.serves("v1", 20)
		if out, code := e.berthCmd("rollout", "promote", e.app); code != 0 {
			t.Fatalf("promote: %s", out)
		}
		waitLive(t, e, 2)
		e.serves("v2", 20)
		e.rollbackToWarm()
		l.expectClean(t, "v1", "v2")
		e.serves("v1", 20)
	})

	t.Run("a canary takes the step weights and is promoted", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/app")
		steps := "      steps: [{weight: 20, pause: manual}, {weight: 60, pause: manual}]\n"
		e.deploy(e.spec("v1", e.routed("canary", "", steps)), true)
		l := e.startLoad()
		e.deploy(e.spec("v2", e.routed("canary", "", steps)), true, "--detach")
		for _, step := range []int{20, 60} {
			e.waitPaused(itoa(step) + "% of traffic")
			got := e.share("v2", 1000)
			if math.Abs(got-float64(step)/100) > 0.06 {
				t.Errorf("at the %d%% step v2 got %.1f%% of requests", step, 100*got)
			}
			if out, code := e.berthCmd("rollout", "promote", e.app); code != 0 {
				t.Fatalf("promote: %s", out)
			}
		}
		waitLive(t, e, 2)
		l.expectClean(t, "v1", "v2")
		e.serves("v2", 20)
	})

	t.Run("a rollback fails no request", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/app")
		e.deploy(e.spec("v1", e.routed("rolling", "", "")), true)
		e.deploy(e.spec("v2", e.routed("rolling", "", "")), true)
		l := e.startLoad()
		if out, code := e.berthCmd("rollback", e.app); code != 0 {
			t.Fatalf("rollback: %s", out)
		}
		l.expectClean(t, "v1", "v2")
		e.serves("v1", 20)
		out, _ := e.berthCmd("history", e.app)
		if !strings.Contains(out, "rollback to 1") {
			t.Errorf("history does not show the rollback:\n%s", out)
		}
	})

	t.Run("a version that fails its health check never gets traffic and is rolled back", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/app")
		e.deploy(e.spec("v1", e.routed("rolling", "", "")), true)
		l := e.startLoad()
		bad := "    environment: {FAIL_HEALTH: \"1\"}\n" + e.routed("rolling", "", "")
		out := e.deploy(e.spec("v2", bad), false)
		l.expectClean(t, "v1")
		if !strings.Contains(out, "rolled back") {
			t.Errorf("deploy output does not say rolled back:\n%s", out)
		}
		if st := e.status(); st.Live != 1 {
			t.Errorf("live revision %d, want 1", st.Live)
		}
		e.serves("v1", 20)
	})

	t.Run("a canary answering 500s is aborted by the analysis", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/app")
		canary := e.routed("canary", "", `      steps: [{weight: 30, pause: 20s}]
      analysis: {max_error_rate: 0.05, min_requests: 10, window: 5s}
`)
		e.deploy(e.spec("v1", canary), true)
		l := e.startLoad()
		out := e.deploy(e.spec("v2", "    environment: {FAIL_RATE: \"1\"}\n"+canary), false)
		_, failed, _ := l.finish()
		if !strings.Contains(out, "5xx") || !strings.Contains(out, "rolled back") {
			t.Errorf("the analysis did not abort the canary:\n%s", out)
		}
		t.Logf("%d requests failed on the canary before the abort", len(failed))
		e.serves("v1", 50)
	})
}

func httpClient() *http.Client { return &http.Client{Timeout: 10 * time.Second} }

func previewOf(host string) string {
	first, rest, _ := strings.Cut(host, ".")
	return first + "-preview." + rest
}

// waitLive waits until revision n of the app is live.
func waitLive(t *testing.T, e *deployEnv, n int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if st := e.status(); st.Live == n && st.Rollout == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("revision %d never went live; berth log:\n%s", n, e.b.output())
}

func itoa(n int) string { return strconv.Itoa(n) }
