package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRobotDeploysOnlyItsApp gives a CI robot what its pipeline needs,
// pull and push on shop/** and deploy and read on one app, and checks
// that berth publish --deploy works with its token and that everything
// else is refused with a message that says how to grant it.
func TestRobotDeploysOnlyItsApp(t *testing.T) {
	requireDocker(t)
	suffix := randomSuffix(t)
	// The apps' names are unique, since their networks are the Docker
	// host's; "shop" and "other" in spirit.
	shop, other := "shop-"+suffix, "other-"+suffix
	path := filepath.Join(t.TempDir(), "berth.yaml")
	berthCLI(t, "", "init", "--config", path)
	berthCLI(t, "root-e2e-password\n", "user", "add", "root", "--config", path, "--admin")
	token := strings.TrimSpace(berthCLI(t, "", "robot", "add", "ci", "--config", path,
		"--access", "shop/**=pull,push", "--access", "app:"+shop+"=deploy,read"))
	if cfg, err := os.ReadFile(path); err != nil || !strings.Contains(string(cfg), "- apps: "+shop) {
		t.Fatalf("the robot's app grant is not in the config (%v):\n%s", err, cfg)
	}
	b := startBerth(t, t.TempDir(), "--config", path)
	server := "http://" + b.addr
	t.Cleanup(func() {
		for _, app := range []string{shop, other} {
			_, _, _ = berthAs(t, "root-e2e-password", "remove", app, "--yes", "--server", server, "--user", "root")
			out, _ := exec.Command("docker", "ps", "-aq", "--filter", "label=berth.app="+app).Output()
			if ids := strings.Fields(string(out)); len(ids) > 0 {
				_ = exec.Command("docker", append([]string{"rm", "-f"}, ids...)...).Run()
			}
		}
	})
	repo := b.addr + "/shop/web"
	specFor := func(app string) string {
		file := filepath.Join(t.TempDir(), "compose.yaml")
		body := "name: " + app + "\nservices:\n  web:\n    image: " + repo + ":v1\n" +
			"    x-berth:\n      route: {host: " + app + ".test, port: 8080}\n      health: {path: /healthz, interval: 300ms}\n"
		if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return file
	}
	asCI := func(args ...string) (string, string, int) {
		t.Helper()
		return berthAs(t, token, append(args, "--server", server, "--user", "ci")...)
	}

	g := newGitRepo(t)
	t.Run("the robot publishes and deploys its app", func(t *testing.T) {
		cmd := exec.Command(berthBin, "publish", "--context", g.dir, "--progress", "plain", "--label", "berth.test=1",
			"--server", server, "--user", "ci", "--image", repo, "--deploy", specFor(shop))
		cmd.Env = append(os.Environ(), "BERTH_PASSWORD="+token)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("publish --deploy as the robot: %v\n%s", err, stderr.String())
		}
		if !pinnedRef.MatchString(strings.TrimSpace(stdout.String())) || !strings.Contains(stderr.String(), "revision 1 is live") {
			t.Fatalf("publish --deploy printed %q:\n%s", stdout.String(), stderr.String())
		}
	})
	t.Run("the robot reads its app's status", func(t *testing.T) {
		out, stderr, code := asCI("status")
		if code != 0 || !strings.Contains(out, shop) {
			t.Fatalf("berth status as the robot: exit %d\n%s%s", code, out, stderr)
		}
	})
	t.Run("the robot may not deploy another app, and is told how to allow it", func(t *testing.T) {
		_, stderr, code := asCI("deploy", "-f", specFor(other), "--image", "web="+repo+":v1")
		want := `berth: 403 Forbidden: robot "ci" may not deploy app "` + other + `": that takes the deploy right on app "` + other +
			`", which ci's access does not give. To allow it, run berth robot grant ci --access 'app:` + other + `=deploy' (or add {apps: "` + other +
			`", actions: [deploy]} to its access in berth.yaml)`
		if code == 0 || strings.TrimSpace(stderr) != want {
			t.Fatalf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
		}
	})
	t.Run("the robot may not roll its app back", func(t *testing.T) {
		_, stderr, code := asCI("rollback", shop)
		if code == 0 || !strings.Contains(stderr, `403 Forbidden: robot "ci" may not roll back app "`+shop+`"`) {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})
	t.Run("the robot may not collect garbage", func(t *testing.T) {
		_, stderr, code := asCI("registry", "gc", "--dry-run")
		if code == 0 || !strings.Contains(stderr, `403 Forbidden: robot "ci" may not use the registry's admin API`) {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})
	t.Run("a wrong token is asked to log in", func(t *testing.T) {
		_, stderr, code := berthAs(t, "berth_wrong", "status", shop, "--server", server, "--user", "ci")
		if code == 0 || !strings.Contains(stderr, "401") {
			t.Fatalf("exit %d, stderr:\n%s", code, stderr)
		}
	})
}
