package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/client"
	"github.com/docker/go-units"

	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/appserver"
)

// TestComposeFiles deploys Compose files that use the keys a team's own
// files use, on the real Docker daemon, and checks what the containers
// got.
func TestComposeFiles(t *testing.T) {
	requireDocker(t)
	b := startBerth(t, t.TempDir())
	builder := testapp.NewBuilder(t.TempDir())
	pushVersions(t, b, builder, "e2e/compose", "v1", "v2", "v3")

	t.Run("a named volume keeps its data through rollouts, a rollback and a removal", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/compose")
		t.Cleanup(e.removeVolumes)
		db := func(version string) string {
			return e.write("compose.yaml", fmt.Sprintf(`name: %s
services:
  db:
    image: %s:%s
    volumes: ["data:/data"]
    deploy: {update_config: {monitor: 500ms}, rollback_config: {monitor: 500ms}}
    x-berth:
      route: {host: %s, port: 8080}
      health: {path: /healthz, interval: 300ms}
volumes:
  data: {}
`, e.app, e.repo, version, e.host))
		}
		e.deploy(db("v1"), true)
		e.put("/data/written-by", "revision 1")
		e.deploy(db("v2"), true)
		e.deploy(db("v3"), true)
		if out, code := e.berthCmd("rollback", e.app); code != 0 {
			t.Fatalf("rollback: %s", out)
		}
		if got := e.read("/data/written-by"); got.Content != "revision 1" {
			t.Fatalf("after two rollouts and a rollback the volume holds %q, want what revision 1 wrote", got.Content)
		}
		if st := e.status(); st.Live != 4 || !strings.HasSuffix(st.Services[0].Ref, ":v2") {
			t.Fatalf("status after the rollback: %+v, want revision 4 running v2", st)
		}
		if out, code := e.berthCmd("remove", e.app, "--yes"); code != 0 || !strings.Contains(out, "volumes kept") {
			t.Fatalf("remove: %d %s", code, out)
		}
		if vols := e.volumes(); len(vols) != 1 {
			t.Fatalf("berth remove left volumes %v, want the app's one", vols)
		}
		e.deploy(db("v1"), true)
		if got := e.read("/data/written-by"); got.Content != "revision 1" {
			t.Fatalf("the app deployed again reads %q from its volume, want what revision 1 wrote", got.Content)
		}
		if out, code := e.berthCmd("remove", e.app, "--yes", "--volumes"); code != 0 || !strings.Contains(out, "volumes deleted") {
			t.Fatalf("remove --volumes: %d %s", code, out)
		}
		if vols := e.volumes(); len(vols) != 0 {
			t.Fatalf("berth remove --volumes left volumes %v", vols)
		}
	})

	t.Run("ports, limits, user, read_only, cap_drop, tmpfs, secrets and configs reach the container as compose-go reads them", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/compose")
		port := freePort(t)
		if err := os.WriteFile(filepath.Join(e.dir, "db_password.txt"), []byte("hunter2"), 0o600); err != nil {
			t.Fatal(err)
		}
		file := e.write("compose.yaml", fmt.Sprintf(`name: %s
services:
  db:
    image: %s:v1
    ports: ["127.0.0.1:%d:8080"]
    user: "1000:1000"
    read_only: true
    cap_drop: [ALL]
    tmpfs: ["/tmp:size=1m"]
    deploy:
      resources: {limits: {memory: 64M, pids: 100}}
    secrets: [{source: db_password, mode: 0400, uid: "1000"}]
    configs: [{source: settings, target: /etc/app.conf}]
    healthcheck: {test: ["CMD", "/app", "-healthcheck"], interval: 300ms}
secrets:
  db_password: {file: ./db_password.txt}
configs:
  settings: {content: "level=debug"}
`, e.app, e.repo, port))
		e.deploy(file, true)
		proj := composeModel(t, file)
		svc := proj.Services["db"]
		got := inspectService(t, e.app, "db")
		hc := got.HostConfig

		want := svc.Ports[0]
		bindings := hc.PortBindings["8080/tcp"]
		if len(bindings) != 1 || bindings[0].HostIP != want.HostIP || bindings[0].HostPort != want.Published {
			t.Errorf("port bindings %v, compose-go reads %+v", hc.PortBindings, want)
		}
		if hc.Memory != int64(svc.Deploy.Resources.Limits.MemoryBytes) || hc.PidsLimit == nil || *hc.PidsLimit != svc.Deploy.Resources.Limits.Pids {
			t.Errorf("memory %d and pids %v, compose-go reads %d and %d", hc.Memory, hc.PidsLimit,
				svc.Deploy.Resources.Limits.MemoryBytes, svc.Deploy.Resources.Limits.Pids)
		}
		if got.Config.User != svc.User || hc.ReadonlyRootfs != svc.ReadOnly || !slices.Equal(hc.CapDrop, svc.CapDrop) {
			t.Errorf("user %q, read-only %v, cap_drop %v; compose-go reads %q, %v, %v",
				got.Config.User, hc.ReadonlyRootfs, hc.CapDrop, svc.User, svc.ReadOnly, svc.CapDrop)
		}
		// compose-go keeps "size=1m" as written; the daemon reports bytes.
		_, size, _ := strings.Cut(svc.Tmpfs[0], "size=")
		wantSize, err := units.RAMInBytes(size)
		if opts, ok := hc.Tmpfs["/tmp"]; err != nil || !ok || opts != "size="+strconv.FormatInt(wantSize, 10) {
			t.Errorf("tmpfs %v, compose-go reads %v", hc.Tmpfs, svc.Tmpfs)
		}
		targets := map[string]bool{}
		for _, m := range got.Mounts {
			targets[m.Destination] = true
		}
		for _, target := range []string{"/run/secrets/" + svc.Secrets[0].Source, svc.Configs[0].Target} {
			if !targets[target] {
				t.Errorf("nothing is mounted at %s: %+v", target, got.Mounts)
			}
		}

		// From inside, through the published port.
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		var id appserver.Identity
		getJSON(t, "http://"+addr+"/id", &id)
		if id.UID != 1000 || id.GID != 1000 {
			t.Errorf("the app runs as %d:%d, want 1000:1000", id.UID, id.GID)
		}
		var secret, config appserver.FileInfo
		getJSON(t, "http://"+addr+"/fs?path=/run/secrets/db_password", &secret)
		getJSON(t, "http://"+addr+"/fs?path=/etc/app.conf", &config)
		if secret.Content != "hunter2" || secret.Mode != "0400" || secret.UID != 1000 {
			t.Errorf("the secret is %+v, want hunter2, mode 0400, owner 1000", secret)
		}
		if config.Content != "level=debug" {
			t.Errorf("the config holds %q", config.Content)
		}
		if code := put(t, "http://"+addr+"/fs?path=/written", "x"); code != http.StatusInternalServerError {
			t.Errorf("writing to the read-only root answered %d, want the app's 500", code)
		}
		if code := put(t, "http://"+addr+"/fs?path=/tmp/written", "x"); code != http.StatusNoContent {
			t.Errorf("writing to the tmpfs answered %d, want 204", code)
		}

		// What berth shows is what the host has, and never a secret.
		out, code := e.berthCmd("status", e.app, "db", "--inspect")
		if code != 0 {
			t.Fatalf("status --inspect: %s", out)
		}
		for _, want := range []string{"user:          1000:1000", "read-only:     yes", "cap drop:      ALL",
			fmt.Sprintf("127.0.0.1:%d->8080/tcp", port), "memory 64MiB", "/run/secrets/db_password (mode 0400"} {
			if !strings.Contains(out, want) {
				t.Errorf("status --inspect does not show %q:\n%s", want, out)
			}
		}
		history, _ := e.berthCmd("history", e.app, "--json")
		for _, shown := range []string{out, history, e.b.output()} {
			if strings.Contains(shown, "hunter2") {
				t.Errorf("the secret's value is shown:\n%s", shown)
			}
		}
	})

	t.Run("depends_on service_healthy starts and rolls the dependency first", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/compose")
		spec := func(version string) string {
			return e.write("compose.yaml", fmt.Sprintf(`name: %s
services:
  api:
    image: %s:%s
    healthcheck: {test: ["CMD", "/app", "-healthcheck"], interval: 300ms}
    deploy: {update_config: {monitor: 300ms}}
  web:
    image: %s:%s
    depends_on:
      api: {condition: service_healthy, restart: true}
    deploy: {update_config: {monitor: 300ms}}
    x-berth: {ready_after: 300ms}
`, e.app, e.repo, version, e.repo, version))
		}
		for _, version := range []string{"v1", "v2"} {
			since := time.Now()
			e.deploy(spec(version), true)
			events := dockerEvents(t, e.app, since)
			healthy, started := firstOf(events, "api", "health_status: healthy"), firstOf(events, "web", "start")
			if healthy < 0 || started < 0 || started < healthy {
				t.Fatalf("%s: web started before api was healthy; events: %v", version, events)
			}
		}
	})

	t.Run("a service that writes to a volume refuses start-first, and rolls stop-first without two writers", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/compose")
		t.Cleanup(e.removeVolumes)
		spec := func(version, order string) string {
			return e.write("compose.yaml", fmt.Sprintf(`name: %s
services:
  db:
    image: %s:%s
    volumes: ["data:/data"]
    deploy: {update_config: {monitor: 300ms%s}}
    x-berth: {ready_after: 300ms}
volumes:
  data: {}
`, e.app, e.repo, version, order))
		}
		out := e.deploy(spec("v1", ", order: start-first"), false)
		for _, want := range []string{"compose.yaml:", "services.db.deploy.update_config.order", "x-berth.shared_volumes"} {
			if !strings.Contains(out, want) {
				t.Errorf("the refusal does not say %q:\n%s", want, out)
			}
		}
		since := time.Now()
		e.deploy(spec("v1", ""), true)
		e.deploy(spec("v2", ""), true)
		e.deploy(spec("v3", ""), true)
		writers := map[string]bool{}
		for _, ev := range dockerEvents(t, e.app, since) {
			switch ev.Action {
			case "start":
				if len(writers) > 0 {
					t.Errorf("%s started while %v ran with the volume", ev.Name, writers)
				}
				writers[ev.Name] = true
			case "die":
				delete(writers, ev.Name)
			}
		}
	})

	t.Run("a key the Docker driver does not apply is refused with file, line, key and driver", func(t *testing.T) {
		e := newDeployEnv(t, b, builder, "e2e/compose")
		file := e.write("compose.yaml", fmt.Sprintf(`name: %s
services:
  web:
    image: %s:v1
    deploy:
      placement: {constraints: ["node.role == manager"]}
`, e.app, e.repo))
		out := e.deploy(file, false)
		if !strings.Contains(out, "compose.yaml:6:7: services.web.deploy.placement: not supported by the docker driver") {
			t.Fatalf("the refusal:\n%s", out)
		}
	})
}

// write writes a file of the test's app directory and returns its path.
func (e *deployEnv) write(name, content string) string {
	e.t.Helper()
	p := filepath.Join(e.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// put writes content at path in the app's container, through the proxy.
func (e *deployEnv) put(path, content string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, "http://"+e.b.proxy+"/fs?path="+path, strings.NewReader(content))
	req.Host = e.host
	res, err := httpClient().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		e.t.Fatalf("PUT %s: %d", path, res.StatusCode)
	}
}

// read reads path in the app's container, through the proxy.
func (e *deployEnv) read(path string) appserver.FileInfo {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+e.b.proxy+"/fs?path="+path, nil)
	req.Host = e.host
	res, err := httpClient().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var fi appserver.FileInfo
	if err := json.NewDecoder(res.Body).Decode(&fi); err != nil {
		e.t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
	}
	return fi
}

// volumes lists the Docker volumes of the app.
func (e *deployEnv) volumes() []string {
	e.t.Helper()
	out, err := exec.Command("docker", "volume", "ls", "-q", "--filter", "label=berth.app="+e.app).Output()
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.Fields(string(out))
}

// removeVolumes removes what volumes of the app a failed test left.
func (e *deployEnv) removeVolumes() {
	e.removeContainers()
	out, _ := exec.Command("docker", "volume", "ls", "-q", "--filter", "label=berth.app="+e.app).Output()
	if vols := strings.Fields(string(out)); len(vols) > 0 {
		_ = exec.Command("docker", append([]string{"volume", "rm", "-f"}, vols...)...).Run()
	}
}

// composeModel loads file with compose-go, normalized, as docker compose
// reads it.
func composeModel(t *testing.T, file string) *types.Project {
	t.Helper()
	proj, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  filepath.Dir(file),
		ConfigFiles: []types.ConfigFile{{Filename: file}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return proj
}

// inspectService returns the Docker daemon's view of the app's one
// running container of service.
func inspectService(t *testing.T, app, service string) container.InspectResponse {
	t.Helper()
	out, err := exec.Command("docker", "ps", "-q", "--filter", "label=berth.app="+app,
		"--filter", "label=berth.service="+service).Output()
	if err != nil {
		t.Fatal(err)
	}
	ids := strings.Fields(string(out))
	if len(ids) != 1 {
		t.Fatalf("%d running containers of %s/%s, want 1", len(ids), app, service)
	}
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got, err := c.ContainerInspect(context.Background(), ids[0])
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// containerEvent is one event of a container of an app.
type containerEvent struct {
	Service, Name, Action string
}

// dockerEvents lists the container events of app since, in order.
func dockerEvents(t *testing.T, app string, since time.Time) []containerEvent {
	t.Helper()
	out, err := exec.Command("docker", "events", "--since", strconv.FormatInt(since.Unix()-1, 10),
		"--until", strconv.FormatInt(time.Now().Unix()+1, 10), "--filter", "type=container",
		"--filter", "label=berth.app="+app,
		"--format", `{{index .Actor.Attributes "berth.service"}} {{index .Actor.Attributes "name"}} {{.Action}}`).Output()
	if err != nil {
		t.Fatal(err)
	}
	var events []containerEvent
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if f := strings.SplitN(line, " ", 3); len(f) == 3 {
			events = append(events, containerEvent{Service: f[0], Name: f[1], Action: f[2]})
		}
	}
	return events
}

// firstOf is the index of the first event of service with action, -1
// if there is none.
func firstOf(events []containerEvent, service, action string) int {
	for i, e := range events {
		if e.Service == service && e.Action == action {
			return i
		}
	}
	return -1
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := httpClient().Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || json.Unmarshal(body, v) != nil {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, body)
	}
}

func put(t *testing.T, url, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader([]byte(body)))
	res, err := httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}
