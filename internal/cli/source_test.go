package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
)

// runBerth runs the whole command line, as main does, and returns its
// exit code and output.
func runBerth(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestSourceAddWritesTheConfig(t *testing.T) {
	keyDir := t.TempDir()
	key, knownHosts := filepath.Join(keyDir, "id_ed25519"), filepath.Join(keyDir, "known_hosts")
	for _, p := range []string{key, knownHosts} {
		if err := os.WriteFile(p, []byte("not read by add\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		args []string
		want func(s *config.Source)
	}{
		{"https with a token from the environment and a webhook",
			[]string{"config", "--url", "https://git.example.com/ops/config.git", "--path", "apps", "--username", "berth",
				"--password-env", "GIT_TOKEN", "--webhook-secret-env", "HOOK_SECRET"},
			func(s *config.Source) {
				s.URL, s.Path = "https://git.example.com/ops/config.git", "apps"
				s.Auth = config.SourceAuth{Username: "berth", PasswordEnv: "GIT_TOKEN"}
				s.Webhook.SecretEnv = "HOOK_SECRET"
			}},
		{"ssh with a key, another branch and interval, no pruning",
			[]string{"config", "--url", "git@git.example.com:ops/config.git", "--branch", "production", "--interval", "30s", "--no-prune",
				"--ssh-key-file", key, "--known-hosts-file", knownHosts, "--ssh-key-passphrase-env", "KEY_PASS"},
			func(s *config.Source) {
				s.URL, s.Branch, s.Interval, s.Prune = "git@git.example.com:ops/config.git", "production", 30*time.Second, false
				s.Auth = config.SourceAuth{SSHKeyFile: key, KnownHostsFile: knownHosts, SSHKeyPassphraseEnv: "KEY_PASS"}
			}},
		{"a repository on this host", []string{"config", "--url", "/srv/git/config"},
			func(s *config.Source) { s.URL = "/srv/git/config" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "berth.yaml")
			stdout, stderr, err := runCmd(t, newSourceAddCmd(), "", append(tt.args, "--config", path)...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(stdout, "saved source config in "+path) || !strings.Contains(stdout, "SIGHUP") {
				t.Errorf("stdout %q", stdout)
			}
			if stderr != "" {
				t.Errorf("stderr %q", stderr)
			}
			cfg := loadConfigFile(t, path)
			want := config.NewSource("config", "")
			tt.want(&want)
			if len(cfg.Sources) != 1 || !reflect.DeepEqual(cfg.Sources[0], want) {
				t.Fatalf("sources %+v\nwant %+v", cfg.Sources, want)
			}
		})
	}
}

func TestSourceAddSaysWhatIsMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	missing := filepath.Join(t.TempDir(), "git-token")
	stdout, stderr, err := runCmd(t, newSourceAddCmd(), "", "config", "--url", "https://h/r.git", "--password-file", missing,
		"--webhook-secret-env", "HOOK", "--config", path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr, "--password-file "+missing+": no such file or directory") {
		t.Errorf("stderr %q does not say the password file is missing", stderr)
	}
	if !strings.Contains(stdout, "webhook the same secret") {
		t.Errorf("stdout %q does not speak of the webhook", stdout)
	}
	if s := loadConfigFile(t, path).Sources; len(s) != 1 || s[0].Auth.PasswordFile != missing {
		t.Fatalf("sources %+v", s)
	}
}

func TestSourceAddRefuses(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "berth.yaml")
	if _, _, err := runCmd(t, newSourceAddCmd(), "", "config", "--url", "/srv/git/config", "--config", existing); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, existing)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a name the file has", []string{"config", "--url", "/srv/git/other"}, "--replace"},
		{"a bad name", []string{"Config", "--url", "/srv/git/other"}, "source name"},
		{"no URL", []string{"other"}, "url"},
		{"http beyond this host", []string{"other", "--url", "http://git.example.com/r.git"}, "https://"},
		{"a token in the URL", []string{"other", "--url", "https://ghp_secret@h/r.git"}, "credentials in the URL"},
		{"an SSH key without known hosts", []string{"other", "--url", "git@h:o/r.git", "--ssh-key-file", "/k"}, "known_hosts_file"},
		{"two passwords", []string{"other", "--url", "https://h/r", "--password-file", "/p", "--password-env", "P"}, "password-env"},
		{"an interval under 10s", []string{"other", "--url", "/srv/git/other", "--interval", "1s"}, "at least 10s"},
		{"the same files as another source", []string{"other", "--url", "/srv/git/config"}, "would fight"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCmd(t, newSourceAddCmd(), "", append(tt.args, "--config", existing)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one about %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "ghp_secret") {
				t.Fatalf("error %q shows the token", err)
			}
			if readFile(t, existing) != before {
				t.Fatal("the file changed")
			}
		})
	}
	t.Run("replace puts the new source in place", func(t *testing.T) {
		if _, _, err := runCmd(t, newSourceAddCmd(), "", "config", "--url", "/srv/git/config", "--branch", "stable", "--replace", "--config", existing); err != nil {
			t.Fatal(err)
		}
		if s := loadConfigFile(t, existing).Sources; len(s) != 1 || s[0].Branch != "stable" {
			t.Fatalf("sources %+v", s)
		}
	})
}

func TestSourceRemove(t *testing.T) {
	path := filepath.Join(t.TempDir(), "berth.yaml")
	for _, name := range []string{"a", "b"} {
		if _, _, err := runCmd(t, newSourceAddCmd(), "", name, "--url", "/srv/git/"+name, "--config", path); err != nil {
			t.Fatal(err)
		}
	}
	stdout, _, err := runCmd(t, newSourceRemoveCmd(), "", "a", "--config", path)
	if err != nil || !strings.Contains(stdout, "removed source a") || !strings.Contains(stdout, "SIGHUP") {
		t.Fatalf("%q %v", stdout, err)
	}
	if s := loadConfigFile(t, path).Sources; len(s) != 1 || s[0].Name != "b" {
		t.Fatalf("sources %+v", s)
	}
	if _, _, err := runCmd(t, newSourceRemoveCmd(), "", "a", "--config", path); err == nil || !strings.Contains(err.Error(), "has no source a") {
		t.Fatalf("removing it again: %v", err)
	}
}

// fakeSources serves the sources API over a list it keeps, as berth
// serve's would: a sync of a source in broken fails with that reason.
type fakeSources struct {
	mu      sync.Mutex
	sources []api.SourceStatus
	broken  map[string]string
	calls   []string
	auth    []string // the basic auth user of each call
}

var syncTime = time.Date(2026, 3, 2, 10, 15, 0, 0, time.UTC)

func newFakeSources(t testing.TB) (*fakeSources, string) {
	t.Helper()
	f := &fakeSources{broken: map[string]string{}, sources: []api.SourceStatus{
		{Name: "config", URL: "https://git.example.com/ops/config.git", Branch: "main", Path: "apps",
			Conditions: []api.Condition{{Type: "Ready", Status: true, Reason: "Applied", Message: "applied 0d1a26e67d8f", Since: syncTime}},
			Fetched:    "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", Applied: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", LastSync: syncTime,
			Apps: []api.SourceApp{
				{App: "shop", File: "apps/shop.yaml", Revision: 4, Commit: "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"},
				{App: "blog", File: "apps/blog.yaml", Suspended: true, Revision: 2, Commit: "6113728f27ae82c7b1a177c8d03f9e96e0adf246"},
			},
			Notes: []string{"apps/README.md: not a Compose file"}},
		{Name: "platform", URL: "git@git.example.com:ops/platform.git", Branch: "main", Apps: []api.SourceApp{}},
		{Name: "old", URL: "/srv/git/old", Branch: "main", Suspended: true, Apps: []api.SourceApp{}},
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/sources", func(w http.ResponseWriter, r *http.Request) { f.answer(w, f.sources) })
	mux.HandleFunc("GET /api/sources/{name}", func(w http.ResponseWriter, r *http.Request) {
		if i := f.find(w, r); i >= 0 {
			f.answer(w, f.sources[i])
		}
	})
	mux.HandleFunc("POST /api/sources/{name}/{action}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, `{"error": "want Content-Type: application/json"}`, http.StatusUnsupportedMediaType)
			return
		}
		i := f.find(w, r)
		if i < 0 {
			return
		}
		s := &f.sources[i]
		app := r.URL.Query().Get("app")
		switch r.PathValue("action") {
		case "sync":
			s.LastSync = syncTime
			if why, ok := f.broken[s.Name]; ok {
				s.LastError = why
				s.Conditions = []api.Condition{{Type: "Ready", Status: false, Reason: "FetchFailed", Message: why, Since: syncTime},
					{Type: "Stalled", Status: true, Reason: "FetchFailed", Message: why, Since: syncTime}}
				break
			}
			s.Fetched, s.Applied, s.LastError = "bffeb74224043ba2feb48d137756c8a9331c449a", "bffeb74224043ba2feb48d137756c8a9331c449a", ""
			s.Conditions = []api.Condition{{Type: "Ready", Status: true, Reason: "Applied", Message: "applied bffeb7422404", Since: syncTime}}
		case "suspend", "resume":
			on := r.PathValue("action") == "suspend"
			if app == "" {
				s.Suspended = on
				break
			}
			j := slices.IndexFunc(s.Apps, func(a api.SourceApp) bool { return a.App == app })
			if j < 0 {
				f.fail(w, http.StatusNotFound, "source "+s.Name+" has no app "+app)
				return
			}
			s.Apps[j].Suspended = on
		default:
			f.fail(w, http.StatusNotFound, "no such action")
			return
		}
		f.answer(w, *s)
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		user, _, _ := r.BasicAuth()
		f.calls = append(f.calls, r.Method+" "+r.URL.RequestURI())
		f.auth = append(f.auth, user)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeSources) find(w http.ResponseWriter, r *http.Request) int {
	i := slices.IndexFunc(f.sources, func(s api.SourceStatus) bool { return s.Name == r.PathValue("name") })
	if i < 0 {
		f.fail(w, http.StatusNotFound, "no source "+r.PathValue("name"))
	}
	return i
}

func (f *fakeSources) answer(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeSources) fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

func (f *fakeSources) callsSoFar() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func TestSourceList(t *testing.T) {
	_, server := newFakeSources(t)
	code, stdout, stderr := runBerth(t, "source", "list", "--server", server)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 4 {
		t.Fatalf("output:\n%s", stdout)
	}
	for i, want := range [][]string{
		{"NAME", "URL", "BRANCH", "PATH", "READY", "APPLIED", "APPS"},
		{"config", "https://git.example.com/ops/config.git", "main", "apps", "yes", "0d1a26e67d8f", "2"},
		{"platform", "git@git.example.com:ops/platform.git", "main", "/", "unknown", "-", "0"},
		{"old", "/srv/git/old", "main", "/", "unknown", "(suspended)", "-", "0"},
	} {
		if got := strings.Fields(lines[i]); !slices.Equal(got, want) {
			t.Errorf("line %d: %q, want %q", i, got, want)
		}
	}
	t.Run("as JSON", func(t *testing.T) {
		code, stdout, _ := runBerth(t, "source", "list", "--json", "--server", server)
		var got []api.SourceStatus
		if err := json.Unmarshal([]byte(stdout), &got); err != nil || code != 0 || len(got) != 3 || got[0].Apps[0].Revision != 4 {
			t.Fatalf("exit %d, %v: %+v", code, err, got)
		}
	})
}

func TestSourceStatus(t *testing.T) {
	_, server := newFakeSources(t)
	code, stdout, stderr := runBerth(t, "source", "status", "config", "--server", server)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"url:        https://git.example.com/ops/config.git", "path:       apps", "ready:      yes",
		"fetched:    0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c", "applied:    0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c",
		"CONDITION  STATUS  REASON   SINCE", "Ready      true    Applied  " + syncTime.Local().Format(time.DateTime) + "  applied 0d1a26e67d8f",
		"shop  apps/shop.yaml  4         0d1a26e67d8f  applied", "blog  apps/blog.yaml  2         6113728f27ae  suspended",
		"ignored:\n  apps/README.md: not a Compose file",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the output has no %q:\n%s", want, stdout)
		}
	}
	t.Run("an unknown source is the server's error", func(t *testing.T) {
		code, _, stderr := runBerth(t, "source", "status", "nope", "--server", server)
		if code != 1 || !strings.Contains(stderr, "404 Not Found: no source nope") {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	})
}

func TestSourceStatusOfAStalledApp(t *testing.T) {
	var b strings.Builder
	st := api.SourceStatus{Name: "config", Branch: "main", Conditions: []api.Condition{{Type: "Ready", Reason: "SpecInvalid", Message: "1 app does not apply"}},
		Apps: []api.SourceApp{{App: "shop", File: "apps/shop.yaml", Stalled: "apps/shop.yaml:12: services.web.image: no tag"}}}
	if err := printSourceStatus(&b, st); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ready:      no: SpecInvalid", "shop  apps/shop.yaml  -         -       stalled: apps/shop.yaml:12: services.web.image: no tag"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the output has no %q:\n%s", want, b.String())
		}
	}
}

func TestSourceSuspendAndResume(t *testing.T) {
	f, server := newFakeSources(t)
	for _, tt := range []struct {
		args []string
		want string
		call string
	}{
		{[]string{"source", "suspend", "config"}, "suspended: source config", "POST /api/sources/config/suspend"},
		{[]string{"source", "resume", "config"}, "resumed: source config", "POST /api/sources/config/resume"},
		{[]string{"source", "suspend", "config", "--app", "shop"}, "suspended: app shop of source config", "POST /api/sources/config/suspend?app=shop"},
		{[]string{"source", "resume", "config", "--app", "blog"}, "resumed: app blog of source config", "POST /api/sources/config/resume?app=blog"},
	} {
		code, stdout, stderr := runBerth(t, append(tt.args, "--server", server)...)
		if code != 0 || strings.TrimSpace(stdout) != tt.want {
			t.Fatalf("%v: exit %d, %q %q", tt.args, code, stdout, stderr)
		}
		if calls := f.callsSoFar(); calls[len(calls)-1] != tt.call {
			t.Fatalf("%v called %s, want %s", tt.args, calls[len(calls)-1], tt.call)
		}
	}
	f.mu.Lock()
	st := f.sources[0]
	suspended, shop, blog := st.Suspended, st.Apps[0].Suspended, st.Apps[1].Suspended
	f.mu.Unlock()
	if suspended || !shop || blog {
		t.Fatalf("suspended: source %t, shop %t, blog %t", suspended, shop, blog)
	}
	if code, _, stderr := runBerth(t, "source", "suspend", "config", "--app", "nope", "--server", server); code != 1 || !strings.Contains(stderr, "has no app nope") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

func TestSourceHelpExplains(t *testing.T) {
	for _, args := range [][]string{
		{"source", "--help"}, {"source", "add", "--help"}, {"source", "remove", "--help"}, {"source", "list", "--help"},
		{"source", "status", "--help"}, {"source", "suspend", "--help"}, {"source", "resume", "--help"}, {"sync", "--help"},
	} {
		code, stdout, _ := runBerth(t, args...)
		if code != 0 || !strings.Contains(stdout, "Usage:") || len(stdout) < 300 {
			t.Errorf("%v: exit %d:\n%s", args, code, stdout)
		}
	}
	_, stdout, _ := runBerth(t, "source", "add", "--help")
	for _, want := range []string{"--password-env", "--webhook-secret-file", "never written to the file", "SIGHUP"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("berth source add --help says nothing of %q", want)
		}
	}
}
