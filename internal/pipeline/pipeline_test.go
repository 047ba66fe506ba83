package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver/memory"
	"github.com/berth-dev/berth/internal/pipeline"
	"github.com/berth-dev/berth/internal/proxy"
	"github.com/berth-dev/berth/internal/seal"
)

// world is berth's environments on in-memory drivers behind one real
// edge proxy, each with its own real deploy engine.
type world struct {
	t       testing.TB
	reg     *memory.Registry
	proxy   *proxy.Proxy
	edge    *httptest.Server
	engines map[string]*deploy.Engine
	p       *pipeline.Pipeline
}

// envSpec is one environment of a world.
type envSpec struct {
	name, suffix string
	rule         *config.Promotion
}

func newWorld(t testing.TB, envs ...envSpec) *world {
	t.Helper()
	dir := t.TempDir()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	w := &world{t: t, reg: memory.NewRegistry(), engines: map[string]*deploy.Engine{}}
	w.proxy = proxy.New(proxy.Options{DrainTimeout: time.Second}, log)
	w.edge = httptest.NewServer(w.proxy)
	box, err := seal.Load(filepath.Join(dir, "secrets.key"), log)
	if err != nil {
		t.Fatal(err)
	}
	var pipe atomic.Pointer[pipeline.Pipeline]
	var penvs []*pipeline.Env
	var drivers []*memory.Driver
	for _, e := range envs {
		d := memory.New(w.reg, log, memory.Options{})
		drivers = append(drivers, d)
		name := e.name
		eng, err := deploy.New(dir, d, w.proxy, resolver{w.reg}, log, deploy.Options{
			Env: name, HostSuffix: e.suffix, Store: "deploy-" + name + ".db", Secrets: box,
			ReadyTimeout: 10 * time.Second, ReconcileEvery: time.Hour,
			OnEnd: func(deploy.Revision, *deploy.Revision) {
				if p := pipe.Load(); p != nil {
					p.Kick()
				}
			},
			HostOwner: func(host string) string {
				if p := pipe.Load(); p != nil {
					return p.HostOwner(name, host)
				}
				return ""
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := eng.Start(); err != nil {
			t.Fatal(err)
		}
		w.engines[name] = eng
		penvs = append(penvs, &pipeline.Env{Name: name, Engine: eng, Rule: e.rule, Declared: true})
	}
	w.p, err = pipeline.New(dir, penvs, log)
	if err != nil {
		t.Fatal(err)
	}
	pipe.Store(w.p)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		for _, e := range w.engines {
			_ = e.Close()
		}
		_ = w.p.Close()
		w.edge.Close()
		w.proxy.Close()
		for _, d := range drivers {
			insts, _ := d.List(context.Background(), "")
			for _, i := range insts {
				_ = d.Remove(context.Background(), i.ID)
			}
		}
	})
	return w
}

type resolver struct{ reg *memory.Registry }

func (r resolver) Resolve(_ context.Context, ref string) (deploy.ServiceImage, error) {
	pinned, err := r.reg.Resolve(ref)
	if err != nil {
		return deploy.ServiceImage{}, err
	}
	_, digest, _ := strings.Cut(pinned, "@")
	return deploy.ServiceImage{Ref: ref, Image: pinned, Digest: digest}, nil
}

// push adds version tag of the web app as reg.test/shop:tag; broken
// ones never become healthy.
func (w *world) push(tag string, broken bool) {
	w.reg.Push("reg.test/shop", tag, memory.Image{Path: "/app", Program: webApp(tag, broken), Version: tag})
}

// webApp answers / with its version and /healthz with 200, unless
// broken.
func webApp(version string, broken bool) memory.Program {
	return func(ctx context.Context, p *memory.Process) int {
		l, err := p.Listen(8080)
		if err != nil {
			return 1
		}
		mux := http.NewServeMux()
		mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, version) })
		mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
			if broken {
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		})
		srv := &http.Server{Handler: mux}
		go func() { <-ctx.Done(); srv.Close() }()
		_ = srv.Serve(l)
		return 0
	}
}

const shopSpec = `name: shop
services:
  web:
    image: reg.test/shop:%s
    x-berth:
      route: {host: shop.test, port: 8080}
      health: {path: /healthz, interval: 100ms}
    deploy: {update_config: {monitor: 200ms}, rollback_config: {monitor: 50ms}}
`

// deploy deploys tag of shop in env and waits for its end.
func (w *world) deploy(env, tag string) deploy.Revision {
	w.t.Helper()
	rev, err := w.engines[env].Deploy(context.Background(), deploy.Request{File: "compose.yaml", Spec: fmt.Appendf(nil, shopSpec, tag), Actor: "alice"})
	if err != nil {
		w.t.Fatalf("deploying %s to %s: %v", tag, env, err)
	}
	return w.wait(env, rev.Number)
}

// wait waits for revision n of shop in env to end.
func (w *world) wait(env string, n int) deploy.Revision {
	w.t.Helper()
	var last deploy.Revision
	eventually(w.t, func() error {
		revs, err := w.engines[env].History("shop", 1000)
		if err != nil {
			return err
		}
		for _, r := range revs {
			if r.Number == n {
				last = r
				if r.Outcome.Done() {
					return nil
				}
			}
		}
		return fmt.Errorf("revision %d of %s/shop has not ended", n, env)
	})
	return last
}

// live is the live revision of shop in env.
func (w *world) live(env string) deploy.Revision {
	w.t.Helper()
	rev, ok, err := w.engines[env].LiveRevision("shop")
	if err != nil || !ok {
		w.t.Fatalf("no live revision of %s/shop: %v", env, err)
	}
	return rev
}

// get asks the proxy for host and returns what answered.
func (w *world) get(host string) string {
	req, _ := http.NewRequest(http.MethodGet, w.edge.URL+"/", nil)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return string(body)
}

func eventually(t testing.TB, f func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestAutomaticPromotionRunsTheIdenticalDigestInBothEnvironments(t *testing.T) {
	w := newWorld(t,
		envSpec{name: "integration", suffix: "int"},
		envSpec{name: "production", rule: &config.Promotion{From: "integration", Auto: true, After: 200 * time.Millisecond,
			Require: []string{config.RequireHealthy, config.RequireVerified}, Approval: config.ApprovalNone}})
	w.push("v1", false)
	rev := w.deploy("integration", "v1")
	if rev.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("integration: %s %s", rev.Outcome, rev.Reason)
	}
	eventually(t, func() error {
		if _, ok, _ := w.engines["production"].LiveRevision("shop"); !ok {
			return errors.New("production runs nothing yet")
		}
		return nil
	})
	prod := w.live("production")
	if got, want := prod.Services["web"].Digest, rev.Services["web"].Digest; got != want {
		t.Fatalf("production runs %s, integration %s", got, want)
	}
	if prod.Promotion == nil || prod.Promotion.From != "integration" || prod.Promotion.Revision != rev.Number {
		t.Fatalf("production's revision says it came from %+v", prod.Promotion)
	}
	if prod.Actor != "promotion" {
		t.Errorf("the automatic promotion is by %q", prod.Actor)
	}
	if a, b := w.get("shop.test.int"), w.get("shop.test"); a != "v1" || b != "v1" {
		t.Fatalf("integration answers %q, production %q", a, b)
	}
	// Promoted once: nothing more happens for the same revision.
	time.Sleep(500 * time.Millisecond)
	if revs, _ := w.engines["production"].History("shop", 10); len(revs) != 1 {
		t.Fatalf("production has %d revisions, want 1", len(revs))
	}
	views, err := w.p.View(context.Background(), "shop")
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 1 || len(views[0].Envs) != 2 || views[0].Envs[1].Next != "runs what integration runs" || !views[0].Envs[1].Healthy {
		t.Fatalf("the pipeline view: %+v", views)
	}
}

func TestManualApprovalWaitsAndRecordsTheApprover(t *testing.T) {
	w := newWorld(t,
		envSpec{name: "integration", suffix: "int"},
		envSpec{name: "production", rule: &config.Promotion{From: "integration",
			Require: []string{config.RequireHealthy}, Approval: config.ApprovalManual}})
	ctx := context.Background()
	w.push("v1", false)
	src := w.deploy("integration", "v1")
	res, err := w.p.Promote(ctx, pipeline.Request{App: "shop", To: "production", Actor: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Waiting == nil || res.Revision != nil || res.Waiting.Revision != src.Number || res.Waiting.By != "ci" {
		t.Fatalf("the promotion did not wait for approval: %+v", res)
	}
	if _, ok, _ := w.engines["production"].LiveRevision("shop"); ok {
		t.Fatal("production runs something before the approval")
	}
	views, err := w.p.View(ctx, "shop")
	if err != nil || views[0].Envs[1].Waiting == nil || !strings.Contains(views[0].Envs[1].Next, "berth approve shop --env production") {
		t.Fatalf("the view does not show the promotion waiting: %+v %v", views, err)
	}
	if _, err := w.p.Approve(ctx, "shop", "integration", "bob"); !errors.Is(err, pipeline.ErrNothingWaiting) {
		t.Fatalf("approving where nothing waits: %v", err)
	}
	res, err = w.p.Approve(ctx, "shop", "production", "bob")
	if err != nil {
		t.Fatal(err)
	}
	got := w.wait("production", res.Revision.Number)
	if got.Outcome != deploy.OutcomeSucceeded || got.Promotion == nil || got.Promotion.Approver != "bob" || got.Actor != "bob" {
		t.Fatalf("the approved promotion: %s, promotion %+v, by %s", got.Outcome, got.Promotion, got.Actor)
	}
	if _, err := w.p.Approve(ctx, "shop", "production", "bob"); !errors.Is(err, pipeline.ErrNothingWaiting) {
		t.Fatalf("approving twice: %v", err)
	}
}

func TestBadPromotionsChangeNothing(t *testing.T) {
	w := newWorld(t, envSpec{name: "integration", suffix: "int"}, envSpec{name: "production"})
	ctx := context.Background()
	w.push("v1", false)
	w.push("v2", false)
	w.push("v3", false)
	w.deploy("integration", "v1")
	v2 := w.deploy("integration", "v2")
	for _, c := range []struct {
		name string
		req  pipeline.Request
		want error
		says string
	}{
		{"an app that is not in the source", pipeline.Request{App: "cart", To: "production"}, pipeline.ErrRefused, "app cart does not run in integration"},
		{"an unknown environment", pipeline.Request{App: "shop", To: "staging"}, pipeline.ErrEnvUnknown, `"staging" is not one of berth's environments (integration, production)`},
		{"to the first environment", pipeline.Request{App: "shop", To: "integration"}, pipeline.ErrRefused, "nothing comes before it"},
		{"backwards", pipeline.Request{App: "shop", To: "integration", From: "production"}, pipeline.ErrRefused, "production comes after integration"},
		{"a revision that is not live", pipeline.Request{App: "shop", To: "production", Revision: 1}, pipeline.ErrRefused, "revision 1 of integration/shop is superseded, not live"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := w.p.Promote(ctx, c.req)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
				t.Fatalf("got %v, want %v saying %q", err, c.want, c.says)
			}
		})
	}
	// v2 is rolled back in integration: it is never promoted from there,
	// even once it runs there again.
	rb, err := w.engines["integration"].Rollback(ctx, "shop", 0, "alice")
	if err != nil {
		t.Fatal(err)
	}
	w.wait("integration", rb.Number)
	w.deploy("integration", "v2")
	_, err = w.p.Promote(ctx, pipeline.Request{App: "shop", To: "production"})
	if !errors.Is(err, pipeline.ErrRefused) || !strings.Contains(err.Error(), v2.Services["web"].Digest+" of service web was rolled back in integration") {
		t.Fatalf("promoting a rolled-back digest: %v", err)
	}
	if _, ok, _ := w.engines["production"].LiveRevision("shop"); ok {
		t.Fatal("a refused promotion changed production")
	}
	// What was never rolled back goes.
	w.deploy("integration", "v3")
	res, err := w.p.Promote(ctx, pipeline.Request{App: "shop", To: "production", Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.wait("production", res.Revision.Number); got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("promoting v3: %s %s", got.Outcome, got.Reason)
	}
	if _, err := w.p.Promote(ctx, pipeline.Request{App: "shop", To: "production"}); !errors.Is(err, pipeline.ErrRefused) || !strings.Contains(err.Error(), "already runs these digests") {
		t.Fatalf("promoting again: %v", err)
	}
}

func TestAFailedRolloutIsNotPromoted(t *testing.T) {
	w := newWorld(t,
		envSpec{name: "integration", suffix: "int"},
		envSpec{name: "production", rule: &config.Promotion{From: "integration", Auto: true,
			Require: []string{config.RequireHealthy, config.RequireVerified}, Approval: config.ApprovalNone}})
	w.push("v1", false)
	w.push("bad", true)
	w.deploy("integration", "v1")
	eventually(t, func() error {
		if _, ok, _ := w.engines["production"].LiveRevision("shop"); !ok {
			return errors.New("v1 is not promoted yet")
		}
		return nil
	})
	if rev := w.deploy("integration", "bad"); rev.Outcome != deploy.OutcomeRolledBack {
		t.Fatalf("the broken version: %s", rev.Outcome)
	}
	time.Sleep(300 * time.Millisecond)
	if revs, _ := w.engines["production"].History("shop", 10); len(revs) != 1 {
		t.Fatalf("production has %d revisions after a failed rollout in integration, want 1", len(revs))
	}
}

func TestTwoEnvironmentsNeverShareAHost(t *testing.T) {
	w := newWorld(t, envSpec{name: "integration"}, envSpec{name: "production"})
	w.push("v1", false)
	w.deploy("integration", "v1")
	_, err := w.engines["production"].Deploy(context.Background(), deploy.Request{File: "compose.yaml", Spec: fmt.Appendf(nil, shopSpec, "v1"), Actor: "alice"})
	if !errors.Is(err, deploy.ErrSpec) || !strings.Contains(err.Error(), "shop.test (service web) is routed by app integration/shop") {
		t.Fatalf("deploying a host another environment routes: %v", err)
	}
}

func TestAFailedConfigurationDoesNotTaintTheDigest(t *testing.T) {
	w := newWorld(t, envSpec{name: "integration", suffix: "int"}, envSpec{name: "production"})
	ctx := context.Background()
	w.push("v1", false)
	w.deploy("integration", "v1")
	// Same image, a health check that never passes: rolled back, and the
	// digest was not what failed.
	bad := strings.Replace(fmt.Sprintf(shopSpec, "v1"), "path: /healthz", "path: /nope", 1)
	rev, err := w.engines["integration"].Deploy(ctx, deploy.Request{File: "compose.yaml", Spec: []byte(bad), Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.wait("integration", rev.Number); got.Outcome != deploy.OutcomeRolledBack {
		t.Fatalf("the broken configuration: %s", got.Outcome)
	}
	res, err := w.p.Promote(ctx, pipeline.Request{App: "shop", To: "production", Actor: "alice"})
	if err != nil {
		t.Fatalf("promoting the digest a configuration failed with: %v", err)
	}
	if got := w.wait("production", res.Revision.Number); got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("production: %s %s", got.Outcome, got.Reason)
	}
}

// BenchmarkAutomaticPromotion measures how long after a revision goes
// live in integration its automatic promotion starts rolling out in
// production (after: 0), the pipeline's own delay, and the whole way to
// production serving it, on the in-memory driver.
func BenchmarkAutomaticPromotion(b *testing.B) {
	w := newWorld(b,
		envSpec{name: "integration", suffix: "int"},
		envSpec{name: "production", rule: &config.Promotion{From: "integration", Auto: true,
			Require: []string{config.RequireHealthy}, Approval: config.ApprovalNone}})
	var start, live time.Duration
	n := 0
	for b.Loop() {
		n++
		tag := fmt.Sprintf("v%d", n)
		w.push(tag, false)
		src := w.deploy("integration", tag)
		var got deploy.Revision
		eventually(b, func() error {
			rev, ok, err := w.engines["production"].LiveRevision("shop")
			if err != nil || !ok || rev.Promotion == nil || rev.Promotion.Revision != src.Number {
				return fmt.Errorf("revision %d of integration is not live in production yet", src.Number)
			}
			got = rev
			return nil
		})
		start += got.Started.Sub(src.Finished)
		live += got.Finished.Sub(src.Finished)
	}
	b.ReportMetric(float64(start.Milliseconds())/float64(n), "ms-to-start")
	b.ReportMetric(float64(live.Milliseconds())/float64(n), "ms-to-live")
}
