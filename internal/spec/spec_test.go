package spec

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// parse parses src as compose.yaml in no directory.
func parse(t testing.TB, src string) (*App, error) {
	t.Helper()
	return Parse("compose.yaml", []byte(src), "", nil)
}

// mustParse parses src and fails the test on any problem.
func mustParse(t testing.TB, src string) *App {
	t.Helper()
	app, err := parse(t, src)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return app
}

// writeSpec writes files into a new directory named dir and returns the
// spec's path in it.
func writeSpec(t testing.TB, dir string, files map[string]string) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), dir)
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(d, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(d, "compose.yaml")
}

func TestLoadReadsEveryField(t *testing.T) {
	t.Setenv("DB_URL", "postgres://db.internal/shop") // the process wins over .env
	app, err := Load("testdata/shop/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(app.Hash, "sha256:") || len(app.Hash) != len("sha256:")+64 {
		t.Errorf("Hash = %q", app.Hash)
	}
	app.Hash = ""
	for i := range app.Services {
		app.Services[i].Keys = nil // TestKeysNameWhatTheServiceSets reads them
	}
	want := &App{
		Name: "shop",
		File: "testdata/shop/compose.yaml",
		Services: []Service{
			{
				Name:       "admin",
				Image:      "127.0.0.1:5000/shop/admin:v2",
				PullPolicy: driver.PullMissing,
				Replicas:   1,
				StopGrace:  10 * time.Second,
				Update:     UpdateConfig{Parallelism: 1, Order: OrderStartFirst, FailureAction: FailureRollback, Monitor: 10 * time.Second},
				Rollback:   UpdateConfig{Parallelism: 1, Order: OrderStartFirst, FailureAction: FailurePause, Monitor: 10 * time.Second},
				Route:      &Route{Host: "admin.shop.local", Port: 9000},
				Health: HTTPHealth{Path: "/", Interval: 2 * time.Second, Timeout: time.Second,
					HealthyThreshold: 1, UnhealthyThreshold: 2},
				Strategy:     StrategyBlueGreen,
				Analysis:     Analysis{MaxErrorRate: 0.01, MinRequests: 20, Window: 30 * time.Second},
				KeepPrevious: 30 * time.Minute,
				Confirm:      true,
				ReadyAfter:   5 * time.Second,
			},
			{
				Name:       "web",
				Image:      "127.0.0.1:5000/shop/web:v2",
				PullPolicy: driver.PullAlways,
				Replicas:   3,
				Command:    []string{"serve", "--port", "8080"},
				Entrypoint: []string{"/bin/shop"},
				Env:        []string{"DB_URL=postgres://db.internal/shop", "MODE=production"},
				Labels:     map[string]string{"team": "storefront"},
				StopGrace:  30 * time.Second,
				Healthcheck: &driver.Healthcheck{
					Test:     []string{"CMD", "/bin/shop", "ping"},
					Interval: 5 * time.Second, Timeout: 2 * time.Second, Retries: 5, StartPeriod: 10 * time.Second,
				},
				Update: UpdateConfig{Parallelism: 2, Delay: 2 * time.Second, Order: OrderStopFirst, OrderSet: true,
					FailureAction: FailurePause, Monitor: 20 * time.Second, MaxFailureRatio: 0.1},
				Rollback: UpdateConfig{Parallelism: 3, Order: OrderStartFirst, FailureAction: FailureContinue},
				Route:    &Route{Host: "shop.local", Port: 8080},
				Health: HTTPHealth{Path: "/healthz", Interval: time.Second, Timeout: 500 * time.Millisecond,
					HealthyThreshold: 2, UnhealthyThreshold: 3},
				Strategy: StrategyCanary,
				Canary: []CanaryStep{
					{Weight: 10, Pause: 30 * time.Second},
					{Weight: 50, Manual: true},
					{Weight: 80, Manual: true},
					{Weight: 100},
				},
				Analysis:   Analysis{MaxErrorRate: 0.05, MinRequests: 100, Window: time.Minute},
				ReadyAfter: 2 * time.Second,
			},
			{
				Name:       "worker",
				Image:      "127.0.0.1:5000/shop/worker@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945",
				PullPolicy: driver.PullNever,
				Replicas:   0,
				Command:    []string{"worker", "--queue", "orders"},
				Env:        []string{"QUEUE=orders"},
				StopGrace:  10 * time.Second,
				Update:     UpdateConfig{Parallelism: 1, Order: OrderStartFirst, FailureAction: FailureRollback, Monitor: 10 * time.Second},
				Rollback:   UpdateConfig{Parallelism: 1, Order: OrderStartFirst, FailureAction: FailurePause, Monitor: 10 * time.Second},
				Strategy:   StrategyRolling,
				ReadyAfter: 5 * time.Second,
			},
		},
		Resources: driver.AppResources{Networks: []driver.Network{{Name: driver.DefaultNetwork}}},
	}
	if !reflect.DeepEqual(app, want) {
		for i := range max(len(app.Services), len(want.Services)) {
			if i >= len(app.Services) || i >= len(want.Services) || !reflect.DeepEqual(app.Services[i], want.Services[i]) {
				var got, w Service
				if i < len(app.Services) {
					got = app.Services[i]
				}
				if i < len(want.Services) {
					w = want.Services[i]
				}
				t.Errorf("service %d:\n got %+v\nwant %+v", i, got, w)
			}
		}
		t.Fatalf("Load:\n got %+v\nwant %+v", app, want)
	}
}

func TestParseFillsDefaults(t *testing.T) {
	app := mustParse(t, `
name: shop
services:
  web:
    image: shop/web:v1
    x-berth:
      route: {host: shop.local, port: 8080}
  worker:
    image: shop/worker:v1
`)
	web, worker := app.Services[0], app.Services[1]
	update := UpdateConfig{Parallelism: 1, Order: OrderStartFirst, FailureAction: FailureRollback, Monitor: 10 * time.Second}
	checks := []struct {
		name      string
		got, want any
	}{
		{"the pull policy is missing", web.PullPolicy, driver.PullMissing},
		{"one replica", web.Replicas, 1},
		{"the stop grace is 10s", web.StopGrace, 10 * time.Second},
		{"no healthcheck", web.Healthcheck, (*driver.Healthcheck)(nil)},
		{"no command", web.Command, []string(nil)},
		{"no entrypoint", web.Entrypoint, []string(nil)},
		{"no env", web.Env, []string(nil)},
		{"no labels", web.Labels, map[string]string(nil)},
		{"updates start first and roll back", web.Update, update},
		{"rollbacks pause on failure", web.Rollback.FailureAction, FailurePause},
		{"the strategy is rolling", web.Strategy, StrategyRolling},
		{"the HTTP check has its defaults", web.Health, HTTPHealth{Path: "/", Interval: 2 * time.Second,
			Timeout: time.Second, HealthyThreshold: 1, UnhealthyThreshold: 2}},
		{"the analysis has its defaults", web.Analysis, Analysis{MaxErrorRate: 0.01, MinRequests: 20, Window: 30 * time.Second}},
		{"no canary steps", web.Canary, []CanaryStep(nil)},
		{"nothing kept after a rolling update", web.KeepPrevious, time.Duration(0)},
		{"no confirm", web.Confirm, false},
		{"ready after 5s", web.ReadyAfter, 5 * time.Second},
		{"a worker has no route", worker.Route, (*Route)(nil)},
		{"a worker has no HTTP check", worker.Health, HTTPHealth{}},
		{"a worker has no analysis", worker.Analysis, Analysis{}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !reflect.DeepEqual(c.got, c.want) {
				t.Fatalf("got %+v, want %+v", c.got, c.want)
			}
		})
	}
}

func TestParseFillsStrategyDefaults(t *testing.T) {
	app := mustParse(t, `
name: shop
services:
  blue:
    image: shop/blue:v1
    deploy: {replicas: 4, update_config: {parallelism: 0}}
    x-berth: {route: {host: blue.local, port: 80}, strategy: blue-green}
  canary:
    image: shop/canary:v1
    deploy: {replicas: 2, update_config: {parallelism: 9}}
    x-berth:
      route: {host: canary.local, port: 80}
      strategy: canary
      steps: [{weight: 25, pause: 0s}, {weight: 100, pause: manual}]
`)
	blue, canary := app.Services[0], app.Services[1]
	if blue.KeepPrevious != 10*time.Minute {
		t.Errorf("blue-green KeepPrevious = %v, want 10m", blue.KeepPrevious)
	}
	if blue.Update.Parallelism != 4 {
		t.Errorf("parallelism 0 = %d, want all 4 replicas", blue.Update.Parallelism)
	}
	if canary.Update.Parallelism != 2 {
		t.Errorf("parallelism 9 of 2 replicas = %d, want 2", canary.Update.Parallelism)
	}
	want := []CanaryStep{{Weight: 25}, {Weight: 100, Manual: true}}
	if !reflect.DeepEqual(canary.Canary, want) {
		t.Errorf("steps = %+v, want %+v (no step added after 100)", canary.Canary, want)
	}
}

func TestParseNamesTheApp(t *testing.T) {
	tests := []struct {
		name string
		dir  string
		src  string
		want string
	}{
		{"from the top-level name", "ignored", "name: shop\nservices: {web: {image: a:v1}}\n", "shop"},
		{"from the top-level name, normalized", "ignored", "name: My Shop!\nservices: {web: {image: a:v1}}\n", "myshop"},
		{"from the directory", "Shop Front", "services: {web: {image: a:v1}}\n", "shopfront"},
		{"from an interpolated name", "ignored", "name: ${APP_NAME}\nservices: {web: {image: a:v1}}\n", "fromenv"},
	}
	t.Setenv("APP_NAME", "fromenv")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := Load(writeSpec(t, tt.dir, map[string]string{"compose.yaml": tt.src}))
			if err != nil {
				t.Fatal(err)
			}
			if app.Name != tt.want {
				t.Fatalf("Name = %q, want %q", app.Name, tt.want)
			}
		})
	}
}

func TestLoadReadsDotEnvBesideTheFile(t *testing.T) {
	path := writeSpec(t, "shop", map[string]string{
		"compose.yaml": "services:\n  web:\n    image: ${IMAGE}\n    environment: [GREETING]\n",
		".env":         "IMAGE=shop/web:v7\nGREETING=hello\n",
	})
	app, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := app.Services[0].Image; got != "shop/web:v7" {
		t.Errorf("Image = %q, want it from .env", got)
	}
	if got := app.Services[0].Env; !reflect.DeepEqual(got, []string{"GREETING=hello"}) {
		t.Errorf("Env = %q, want GREETING from .env", got)
	}
}

func TestParseReadsOnlyTheVariablesGiven(t *testing.T) {
	t.Setenv("TAG", "from-the-process")
	src := "name: shop\nservices:\n  web:\n    image: shop/web:${TAG:-none}\n"
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"a variable given", map[string]string{"TAG": "v3"}, "shop/web:v3"},
		{"no variables", nil, "shop/web:none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := Parse("compose.yaml", []byte(src), "", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if got := app.Services[0].Image; got != tt.want {
				t.Fatalf("Image = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseNamesTheAppAfterADirectoryName(t *testing.T) {
	app, err := Parse("compose.yaml", []byte("services: {web: {image: a:v1}}\n"), "Shop Front", nil)
	if err != nil {
		t.Fatal(err)
	}
	if app.Name != "shopfront" {
		t.Fatalf("Name = %q, want shopfront", app.Name)
	}
}

func TestLoadNamesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "compose.yaml")
	_, err := Load(path)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Load = %v, want a not-exist error naming %s", err, path)
	}
}

func TestLoadNamesAFileThatIsNotYAML(t *testing.T) {
	path := writeSpec(t, "shop", map[string]string{"compose.yaml": "services: [\n"})
	_, err := Load(path)
	var e *Error
	if !errors.As(err, &e) || e.File != path || e.Line == 0 || !errors.Is(err, ErrInvalid) {
		t.Fatalf("Load = %v, want an *Error naming %s and a line", err, path)
	}
}

func TestTheDocExampleIsAValidSpec(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	var example []string
	for _, line := range strings.Split(string(doc), "\n") {
		if line == "//\tservices:" || len(example) > 0 && strings.HasPrefix(line, "//\t") {
			example = append(example, strings.TrimPrefix(line, "//\t"))
		} else if len(example) > 0 {
			break
		}
	}
	app := mustParse(t, "name: shop\n"+strings.Join(example, "\n")+"\n")
	if len(app.Services) != 3 || app.Services[1].Strategy != StrategyCanary {
		t.Fatalf("the example parsed to %+v", app.Services)
	}
}
