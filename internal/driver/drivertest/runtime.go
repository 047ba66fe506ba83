package drivertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/testapp/appserver"
)

// runtimeCase is one Compose key of a service, applied through
// driver.Runtime: the suite starts a container with it set and checks
// that Describe reports it and, where it shows from inside, that the
// test app sees it. A driver that refuses the key must say why, naming
// itself, and fail Start.
type runtimeCase struct {
	name string
	// key is the Compose key below the service the case sets, as
	// driver.Refuser takes it.
	key string
	// resources, if set, are the app's networks and volumes.
	resources func(t *testing.T, s *suite) driver.AppResources
	// set sets the key in spec.
	set func(t *testing.T, s *suite, spec *driver.ContainerSpec)
	// needs, if set, names the Env field a driver that applies the key
	// must be given, when it is missing; set then puts a stand-in in
	// the spec, enough for a driver that refuses the key.
	needs func(env Env) string
	// before, if set, readies the app for the key, for a driver that
	// applies it.
	before func(t *testing.T, s *suite, d driver.Driver, app string)
	// inside checks from the running container what it sees, nil when
	// the key shows only to the host.
	inside func(t *testing.T, s *suite, d driver.Driver, inst driver.Instance)
}

// testRuntime runs the runtime cases, in parallel.
func testRuntime(t *testing.T, s *suite) {
	for _, tc := range runtimeCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			runRuntimeCase(t, s, tc)
		})
	}
}

func runRuntimeCase(t *testing.T, s *suite, tc runtimeCase) {
	d := s.newDriver(t)
	var res driver.AppResources
	if tc.resources != nil {
		res = tc.resources(t, s)
	}
	app := newAppWith(t, d, res)
	spec := s.spec(app)
	tc.set(t, s, &spec)
	if refuser, ok := d.(driver.Refuser); ok {
		if why := refuser.Refuses(tc.key); why != "" {
			expectRefused(t, d, spec, tc.key, why)
			return
		}
	}
	if tc.needs != nil {
		if missing := tc.needs(s.env); missing != "" {
			t.Fatalf("drivertest: Env.%s is required of a driver that applies %s", missing, tc.key)
		}
	}
	if tc.before != nil {
		tc.before(t, s, d, app)
	}
	inst := start(t, d, spec)
	got, err := d.Describe(ctx(t), inst.ID)
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if g, w := asJSON(got), asJSON(spec.Runtime.Normalized()); g != w {
		t.Errorf("Describe does not report what Start applied:\n got %s\nwant %s", g, w)
	}
	if tc.inside != nil {
		waitReady(t, inst.Addr)
		tc.inside(t, s, d, inst)
	}
}

// expectRefused checks that a driver refusing key says why, naming
// itself, and fails a Start that sets it, with an error naming the key
// (or the key it is below), without leaving a container.
func expectRefused(t *testing.T, d driver.Driver, spec driver.ContainerSpec, key, why string) {
	t.Helper()
	if !strings.Contains(why, d.Name()) {
		t.Errorf("Refuses(%q) = %q: the reason does not name the driver %q", key, why, d.Name())
	}
	t.Logf("refused: %s", why)
	inst, err := d.Start(ctx(t), spec)
	removeLater(t, d, inst)
	if err == nil {
		t.Fatalf("the driver refuses %s, and Start with it set succeeded", key)
	}
	if top, _, _ := strings.Cut(key, "."); !strings.Contains(err.Error(), top) {
		t.Errorf("Start with %s set failed with %q, which does not name the key", key, err)
	}
	expectNoContainers(t, d, spec.App)
}

// refused reports whether d refuses key, and if so checks that it
// does so as expectRefused says, starting spec.
func refused(t *testing.T, d driver.Driver, spec driver.ContainerSpec, key string) bool {
	t.Helper()
	refuser, ok := d.(driver.Refuser)
	if !ok {
		return false
	}
	why := refuser.Refuses(key)
	if why != "" {
		expectRefused(t, d, spec, key, why)
	}
	return why != ""
}

// asJSON is how runtimes are compared: as the engine shows them, files
// without their content.
func asJSON(rt driver.Runtime) string {
	b, err := json.Marshal(rt)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// newAppWith prepares a fresh app with res, and removes its containers,
// networks and volumes when the test ends.
func newAppWith(t *testing.T, d driver.Driver, res driver.AppResources) string {
	t.Helper()
	app := "dt-" + randomHex(t, 4)
	if err := d.Prepare(ctx(t), app, res); err != nil {
		t.Fatalf("Prepare(%s): %v", app, err)
	}
	t.Cleanup(func() { removeApp(t, d, app, driver.ReleaseOptions{Volumes: true}) })
	return app
}

// appGet sends GET path to the test app in inst and decodes its JSON
// answer into v, failing the test on anything but 200.
func appGet(t testing.TB, inst driver.Instance, path string, v any) {
	t.Helper()
	status, body := appDo(t, inst, http.MethodGet, path, "")
	if status != http.StatusOK {
		t.Fatalf("GET %s answered %d %s", path, status, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %q", path, err, body)
	}
}

// appDo sends a request to the test app in inst and returns its status
// and body.
func appDo(t testing.TB, inst driver.Instance, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, "http://"+inst.Addr+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// appFile returns what the test app in inst sees at path.
func appFile(t testing.TB, inst driver.Instance, path string) appserver.FileInfo {
	t.Helper()
	var fi appserver.FileInfo
	appGet(t, inst, "/fs?path="+path, &fi)
	return fi
}

// appID returns the test app's identity in inst.
func appID(t testing.TB, inst driver.Instance) appserver.Identity {
	t.Helper()
	var id appserver.Identity
	appGet(t, inst, "/id", &id)
	return id
}

// appLimits returns the test app's cgroup limits in inst.
func appLimits(t testing.TB, inst driver.Instance) map[string]string {
	t.Helper()
	var l map[string]string
	appGet(t, inst, "/limits", &l)
	return l
}

// appWrite writes body to path through the test app in inst and
// returns the error it answered, "" when it wrote.
func appWrite(t testing.TB, inst driver.Instance, path, body string) string {
	t.Helper()
	status, answer := appDo(t, inst, http.MethodPut, "/fs?path="+path, body)
	if status == http.StatusNoContent {
		return ""
	}
	var e struct{ Error string }
	if err := json.Unmarshal([]byte(answer), &e); err != nil || e.Error == "" {
		return fmt.Sprintf("status %d: %s", status, answer)
	}
	return e.Error
}

// capabilities returns the effective capability set of the test app in
// inst, from /proc/self/status.
func capabilities(t testing.TB, inst driver.Instance) uint64 {
	t.Helper()
	for _, line := range strings.Split(appFile(t, inst, "/proc/self/status").Content, "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			var caps uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%x", &caps); err != nil {
				t.Fatalf("reading CapEff %q: %v", v, err)
			}
			return caps
		}
	}
	t.Fatal("no CapEff in /proc/self/status")
	return 0
}

// Capability bits (linux/capability.h).
const (
	capChown    = 0
	capNetAdmin = 12
	capSysAdmin = 21
)

// statusLine returns the value of a /proc/self/status line of the
// test app in inst.
func statusLine(t testing.TB, inst driver.Instance, key string) string {
	t.Helper()
	for _, line := range strings.Split(appFile(t, inst, "/proc/self/status").Content, "\n") {
		if v, ok := strings.CutPrefix(line, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// logsOf returns the container's logs so far.
func logsOf(t testing.TB, d driver.Driver, id string) string {
	t.Helper()
	var out buffer
	c, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := d.Logs(c, id, driver.LogOptions{}, &out); err != nil {
		t.Fatalf("Logs: %v", err)
	}
	return out.String()
}
