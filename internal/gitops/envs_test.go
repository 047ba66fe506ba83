package gitops

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver/memory"
	"github.com/berth-dev/berth/internal/pipeline"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/seal"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// rig is a controller following one source of a real repository, with a
// real deploy engine per environment on the in-memory driver.
type rig struct {
	t       *testing.T
	reg     *memory.Registry
	engines map[string]*deploy.Engine
	ctrl    *Controller
	bare    *gitserver.Repo
}

// newRig starts a controller with engines for envs (the first the
// default) following src over a repository holding files.
func newRig(t *testing.T, files map[string]string, src config.Source, envs ...string) *rig {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	r := &rig{t: t, reg: memory.NewRegistry(), engines: map[string]*deploy.Engine{}, bare: gitserver.Bare(t, files)}
	dir := t.TempDir()
	box, err := seal.Load(filepath.Join(dir, "secrets.key"), log)
	if err != nil {
		t.Fatal(err)
	}
	router := proxy.New(proxy.Options{}, log)
	t.Cleanup(router.Close)
	var ctrl struct {
		sync.Mutex
		c *Controller
	}
	onEnd := func(ended deploy.Revision, wasLive *deploy.Revision) {
		ctrl.Lock()
		c := ctrl.c
		ctrl.Unlock()
		if c != nil {
			c.OnEnd(ended, wasLive)
		}
	}
	engines := map[string]Engine{}
	for _, env := range envs {
		drv := memory.New(r.reg, log, memory.Options{})
		e, err := deploy.New(dir, drv, router, testRegistry{r.reg}, log.With("env", env), deploy.Options{
			Env: env, Store: "deploy-" + env + ".db", Secrets: box, OnEnd: onEnd,
			ReadyTimeout: 10 * time.Second, ReconcileEvery: time.Hour,
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			for _, app := range []string{"shop", "tools"} {
				_, _ = e.Remove(context.Background(), app, deploy.RemoveOptions{})
			}
			if err := e.Close(); err != nil {
				t.Error(err)
			}
		})
		r.engines[env], engines[env] = e, e
	}
	src.URL = r.bare.URL
	src.Interval = time.Hour
	c, err := New(dir, engines, envs[0], testRegistry{r.reg}, log, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctrl.Lock()
	ctrl.c = c
	ctrl.Unlock()
	r.ctrl = c
	c.Set([]config.Source{src})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	})
	return r
}

// image pushes a version of a program that runs until stopped, and is
// healthy, as reg.test/shop:tag and returns its digest.
func (r *rig) image(tag string) string {
	pinned := r.reg.Push("reg.test/shop", tag, memory.Image{Path: "/app", Version: tag,
		Program: func(ctx context.Context, p *memory.Process) int {
			if len(p.Args) > 1 && p.Args[1] == "-healthcheck" {
				return 0
			}
			<-ctx.Done()
			return 0
		}})
	_, digest, _ := strings.Cut(pinned, "@")
	return digest
}

func (r *rig) sync() api.SourceStatus {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := r.ctrl.Sync(ctx, "config")
	if err != nil {
		r.t.Fatal(err)
	}
	return st
}

// live is the live revision of app in env.
func (r *rig) live(env, app string) deploy.Revision {
	r.t.Helper()
	rev, ok, err := r.engines[env].LiveRevision(app)
	if err != nil || !ok {
		r.t.Fatalf("%s/%s has no live revision: %v", env, app, err)
	}
	return rev
}

// testRegistry resolves in the in-memory registry; a reference pinned
// by digest resolves to that digest.
type testRegistry struct{ reg *memory.Registry }

func (t testRegistry) Resolve(_ context.Context, ref string) (deploy.ServiceImage, error) {
	look := ref
	if name, digest, ok := strings.Cut(ref, "@"); ok {
		repo, _, _ := repoOf(name)
		look = repo + "@" + digest
	}
	pinned, err := t.reg.Resolve(look)
	if err != nil {
		return deploy.ServiceImage{}, err
	}
	_, digest, _ := strings.Cut(pinned, "@")
	return deploy.ServiceImage{Ref: ref, Image: pinned, Digest: digest}, nil
}

func (testRegistry) Tags(context.Context, string) ([]string, error) { return nil, nil }

// shopFile is app shop on tag, with a comment that edits must keep.
func shopFile(tag string) string {
	return "name: shop\nservices:\n  web:\n    # pinned by promotion\n    image: reg.test/shop:" + tag + "\n" +
		"    healthcheck: {test: [CMD, /app, -healthcheck], interval: 100ms, retries: 1}\n" +
		"    deploy: {update_config: {monitor: 100ms}}\n"
}

// envSource maps envs/integration and envs/production to their
// environments; other files run in the first environment.
func envSource() config.Source {
	src := config.NewSource("config", "")
	src.Environments = map[string]string{"integration": "integration", "production": "production"}
	src.Path = "envs"
	return src
}

func TestFoldersPutAppsOfOneNameInTheirEnvironments(t *testing.T) {
	files := map[string]string{
		"envs/integration/shop/compose.yaml": shopFile("v2"),
		"envs/production/shop/compose.yaml":  shopFile("v1"),
		"envs/tools/compose.yaml":            strings.Replace(shopFile("v1"), "name: shop", "name: tools", 1),
	}
	r := newRig(t, files, envSource(), "integration", "production")
	v1, v2 := r.image("v1"), r.image("v2")
	r.sync()
	st := r.sync() // the first may find the rollouts of the pass at start under way
	if len(st.Apps) != 3 {
		t.Fatalf("source status apps %+v, want three", st.Apps)
	}
	got := map[string]string{}
	for _, a := range st.Apps {
		got[a.Env+"/"+a.App] = a.File
		if a.Stalled != "" || a.Revision == 0 {
			t.Errorf("app %s/%s: stalled %q, revision %d", a.Env, a.App, a.Stalled, a.Revision)
		}
	}
	for id, file := range map[string]string{
		"integration/shop":  "envs/integration/shop/compose.yaml",
		"production/shop":   "envs/production/shop/compose.yaml",
		"integration/tools": "envs/tools/compose.yaml",
	} {
		if got[id] != file {
			t.Errorf("status shows %s from %q, want %s (all: %v)", id, got[id], file, got)
		}
	}
	if d := r.live("integration", "shop").Services["web"].Digest; d != v2 {
		t.Errorf("integration runs %s, want v2 %s", d, v2)
	}
	if d := r.live("production", "shop").Services["web"].Digest; d != v1 {
		t.Errorf("production runs %s, want v1 %s", d, v1)
	}
	if _, err := r.engines["production"].Status(context.Background(), "tools"); !errors.Is(err, deploy.ErrAppUnknown) {
		t.Errorf("tools, outside the mapped folders, runs in production too: %v", err)
	}
	for _, c := range []struct {
		env, app, want string
	}{
		{"integration", "shop", "config"},
		{"production", "shop", "config"},
		{"", "tools", "config"}, // "" is the default environment
		{"production", "tools", ""},
		{"qa", "shop", ""},
	} {
		if src, _ := r.ctrl.ManagedBy(c.env, c.app); src != c.want {
			t.Errorf("ManagedBy(%q, %q) = %q, want %q", c.env, c.app, src, c.want)
		}
	}
	// Production's apps keep the keys they had before environments.
	for _, key := range []string{"shop", "integration/shop", "integration/tools"} {
		if a, err := r.ctrl.st.app(key); err != nil || a == nil {
			t.Errorf("no state under key %q: %v", key, err)
		}
	}

	t.Run("suspending by bare name suspends the app in every environment", func(t *testing.T) {
		if _, err := r.ctrl.Suspend("config", "shop"); err != nil {
			t.Fatal(err)
		}
		for _, env := range []string{"integration", "production"} {
			if _, suspended := r.ctrl.ManagedBy(env, "shop"); !suspended {
				t.Errorf("shop is not suspended in %s", env)
			}
		}
		if _, err := r.ctrl.Resume("config", "production/shop"); err != nil {
			t.Fatal(err)
		}
		if _, suspended := r.ctrl.ManagedBy("production", "shop"); suspended {
			t.Error("production/shop is still suspended once resumed")
		}
		if _, suspended := r.ctrl.ManagedBy("integration", "shop"); !suspended {
			t.Error("resuming production/shop resumed integration/shop")
		}
		if _, err := r.ctrl.Resume("config", "shop"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestPromoteCommitsTheDigestsThenRollsOut(t *testing.T) {
	files := map[string]string{
		"envs/integration/shop/compose.yaml": shopFile("v2"),
		"envs/production/shop/compose.yaml":  shopFile("v1"),
	}
	r := newRig(t, files, envSource(), "integration", "production")
	r.image("v1")
	v2 := r.image("v2")
	r.sync()
	source := r.live("integration", "shop")
	images := map[string]string{"web": "reg.test/shop:v2@" + v2, "worker": "reg.test/shop:v2@" + v2}
	msg := "Promote shop to production: revision 1 of integration\n\nweb: reg.test/shop:v2@" + v2 + "\n"
	by := deploy.Promotion{From: "integration", Revision: source.Number}
	before := r.bare.Head(t)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rev, err := r.ctrl.Promote(ctx, "config", "production", "shop", images, msg, by)
	if err != nil {
		t.Fatal(err)
	}
	if rev.Environment != "production" || rev.App != "shop" || rev.Promotion == nil || *rev.Promotion != by {
		t.Fatalf("the rollout is %s/%s with promotion %+v, want production/shop from %+v", rev.Environment, rev.App, rev.Promotion, by)
	}
	log := r.bare.Log(t, 2)
	if log[1].Hash != before || !strings.Contains(log[0].Subject, "revision 1 of integration") || !strings.HasPrefix(log[0].Author, "berth <") {
		t.Fatalf("the last commits are %+v, want one promotion by berth on %s", log, before)
	}
	if !strings.HasPrefix(rev.Source, "config@"+log[0].Hash[:7]) {
		t.Errorf("the rollout came from %q, want the promotion's commit %s", rev.Source, log[0].Hash[:7])
	}
	file, _ := r.bare.Show(t, "envs/production/shop/compose.yaml")
	if want := strings.Replace(shopFile("v1"), "reg.test/shop:v1", images["web"], 1); file != want {
		t.Errorf("production's file is\n%s\nwant\n%s", file, want)
	}
	if f, _ := r.bare.Show(t, "envs/integration/shop/compose.yaml"); f != shopFile("v2") {
		t.Errorf("integration's file changed:\n%s", f)
	}
	deadline := time.Now().Add(30 * time.Second)
	for r.live("production", "shop").Number != rev.Number {
		if time.Now().After(deadline) {
			t.Fatalf("revision %d of production/shop never went live", rev.Number)
		}
		time.Sleep(50 * time.Millisecond)
	}
	live := r.live("production", "shop")
	if live.Services["web"].Digest != v2 || live.Promotion == nil || live.Promotion.From != "integration" {
		t.Fatalf("production runs %s with promotion %+v", live.Services["web"].Digest, live.Promotion)
	}
	// Git sync hears of the rollout's end just after it is stored.
	for deadline = time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		a, _ := r.ctrl.st.app("shop")
		if a != nil && a.Promoted == nil && a.Attempt == nil && a.Applied != nil && a.Applied.Revision == rev.Number {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the state of production/shop is %+v, want the promotion applied and done", a)
		}
	}
	if n := len(r.sync().Apps); n != 2 {
		t.Errorf("%d apps after the promotion, want 2", n)
	}
	if got := r.live("production", "shop").Number; got != rev.Number {
		t.Errorf("a sync after the promotion rolled production/shop out again: revision %d", got)
	}

	t.Run("promoting what the file names already is refused", func(t *testing.T) {
		head := r.bare.Head(t)
		_, err := r.ctrl.Promote(ctx, "config", "production", "shop", images, msg, by)
		if !errors.Is(err, pipeline.ErrRefused) || !strings.Contains(err.Error(), "already names these images") {
			t.Fatalf("Promote again = %v, want a refusal saying the file has them", err)
		}
		if r.bare.Head(t) != head {
			t.Fatal("a refused promotion committed")
		}
	})
	t.Run("an app the source does not hold in the environment is refused", func(t *testing.T) {
		_, err := r.ctrl.Promote(ctx, "config", "qa", "shop", images, msg, by)
		if !errors.Is(err, api.ErrSourceAppUnknown) {
			t.Fatalf("Promote into qa = %v, want ErrSourceAppUnknown", err)
		}
	})
}

func TestStateKeysKeepTheDefaultEnvironmentBare(t *testing.T) {
	for _, c := range []struct {
		id  appID
		key string
	}{
		{appID{config.DefaultEnvironment, "shop"}, "shop"},
		{appID{"integration", "shop"}, "integration/shop"},
	} {
		if got := c.id.key(); got != c.key {
			t.Errorf("%v.key() = %q, want %q", c.id, got, c.key)
		}
		if got := parseKey(c.key); got != c.id {
			t.Errorf("parseKey(%q) = %v, want %v", c.key, got, c.id)
		}
	}
	st, err := openState(filepath.Join(t.TempDir(), "gitops.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	// An environment named as an app of the default one: forgetting the
	// app leaves the environment's rejections.
	for _, key := range []string{"shop", "shop/web", "shop/api"} {
		if err := st.reject(key, "web", "sha256:bad", rejection{Revision: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.forget("shop"); err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]bool{"shop": false, "shop/web": true, "shop/api": true} {
		if no, _ := st.rejected(key, "web", "sha256:bad"); no != want {
			t.Errorf("rejection of %s after forgetting shop: %v, want %v", key, no, want)
		}
	}
}
