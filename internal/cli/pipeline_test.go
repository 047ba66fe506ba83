package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/pipeline"
)

// pipelineViews is shop across three environments and blog in one.
func pipelineViews() []pipeline.AppView {
	d := func(c string) string { return "sha256:" + strings.Repeat(c, 64) }
	return []pipeline.AppView{
		{App: "blog", Envs: []pipeline.EnvView{
			{Env: "integration", Declared: true, Revision: 0, Verified: "none",
				Rollout: &deploy.RolloutStatus{Revision: 1, Outcome: deploy.OutcomeRunning}},
		}},
		{App: "shop", Envs: []pipeline.EnvView{
			{Env: "integration", Declared: true, Revision: 12, Since: syncTime.Add(-90 * time.Second), Healthy: true, Verified: "passed",
				Images: []pipeline.ImageView{
					{Service: "web", Ref: "127.0.0.1:5000/shop/web:v1.4.3", Digest: d("a")},
					{Service: "worker", Ref: "127.0.0.1:5000/shop/worker@" + d("b"), Digest: d("b")},
				}},
			{Env: "qa", Declared: true, Revision: 4, Since: syncTime.Add(-3 * time.Hour), Health: "web has 1 of 2 replicas healthy", Verified: "failed",
				Images:  []pipeline.ImageView{{Service: "web", Ref: "127.0.0.1:5000/shop/web:v1.4.2", Digest: d("c")}},
				Waiting: &pipeline.Waiting{App: "shop", Env: "qa", From: "integration", Revision: 12}},
			{Env: "production", Declared: true, Revision: 3, Since: syncTime.Add(-50 * time.Hour), Healthy: true, Verified: "none",
				Images: []pipeline.ImageView{{Service: "web", Ref: "127.0.0.1:5000/shop/web:v1.4.1", Digest: d("d")}},
				Next:   "revision 4 of qa can be promoted: berth promote shop --to production"},
		}},
	}
}

func TestPrintPipeline(t *testing.T) {
	var out bytes.Buffer
	if err := printPipeline(&out, pipelineViews(), syncTime); err != nil {
		t.Fatal(err)
	}
	want := `APP   ENV          REVISION  IMAGE                           SINCE  HEALTH                           VERIFIED  NEXT
blog  integration  -         -                               -      revision 1 is rolling out        -         -
shop  integration  12        web v1.4.3@sha256:aaaaaaaaaaaa  1m     healthy                          passed    -
                             worker sha256:bbbbbbbbbbbb
      qa           4         web v1.4.2@sha256:cccccccccccc  3h     web has 1 of 2 replicas healthy  failed    revision 12 of integration waits for approval: berth approve shop --env qa
      production   3         web v1.4.1@sha256:dddddddddddd  2d     healthy                          none      revision 4 of qa can be promoted: berth promote shop --to production
`
	if got := out.String(); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrintPipelineWithoutApps(t *testing.T) {
	var out bytes.Buffer
	if err := printPipeline(&out, nil, syncTime); err != nil || out.String() != "no apps\n" {
		t.Fatalf("%v, %q", err, out.String())
	}
}

func TestAge(t *testing.T) {
	for _, tt := range []struct {
		ago  time.Duration
		want string
	}{{0, "0s"}, {59 * time.Second, "59s"}, {time.Minute, "1m"}, {59 * time.Minute, "59m"}, {47 * time.Hour, "47h"}, {72 * time.Hour, "3d"}, {-time.Second, "0s"}} {
		if got := age(syncTime, syncTime.Add(-tt.ago)); got != tt.want {
			t.Errorf("age of %s = %q, want %q", tt.ago, got, tt.want)
		}
	}
	if got := age(syncTime, time.Time{}); got != "-" {
		t.Errorf("age of no time = %q", got)
	}
}

func TestPipelineCommand(t *testing.T) {
	f, server := newFakeApps(t)
	f.views = pipelineViews()
	code, stdout, stderr := runBerth(t, "pipeline", "shop", "--server", server)
	if code != 0 || !strings.HasPrefix(stdout, "APP ") || !strings.Contains(stdout, "berth approve shop --env qa") {
		t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
	}
	if calls := f.callsSoFar(); len(calls) != 1 || calls[0] != "GET /api/pipeline?app=shop" {
		t.Fatalf("calls %q", calls)
	}
	code, stdout, _ = runBerth(t, "pipeline", "--json", "--server", server)
	if code != 0 || !strings.HasPrefix(stdout, "[\n") || !strings.Contains(stdout, `"env": "production"`) {
		t.Fatalf("exit %d:\n%s", code, stdout)
	}
}

// viewSource answers the watch with the views it is given, one per
// call, then the last again; it ends the watch after calls calls.
type viewSource struct {
	mu     sync.Mutex
	states [][]pipeline.AppView
	errs   map[int]error
	n      int
	calls  int
	cancel context.CancelFunc
}

func (v *viewSource) get(context.Context) ([]pipeline.AppView, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	i := min(v.n, len(v.states)-1)
	err := v.errs[v.n]
	v.n++
	if v.n >= v.calls {
		v.cancel()
	}
	return v.states[i], err
}

func TestWatchPipeline(t *testing.T) {
	one := []pipeline.AppView{{App: "shop", Envs: []pipeline.EnvView{{Env: "integration", Revision: 1}}}}
	two := []pipeline.AppView{{App: "shop", Envs: []pipeline.EnvView{{Env: "integration", Revision: 2}}}}
	render := func(w io.Writer, views []pipeline.AppView) error {
		_, err := fmt.Fprintf(w, "shop %d\n", views[0].Envs[0].Revision)
		return err
	}
	t.Run("elsewhere than a terminal, a new block when something changed", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		src := &viewSource{states: [][]pipeline.AppView{one, one, two, two}, calls: 5, cancel: cancel,
			errs: map[int]error{1: errors.New("connection refused")}}
		var out, errOut bytes.Buffer
		if err := watchPipeline(ctx, &out, &errOut, false, time.Millisecond, src.get, render); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); strings.Count(got, "shop 1\n") != 1 || strings.Count(got, "shop 2\n") != 1 || strings.Contains(got, "\x1b") {
			t.Fatalf("output %q", got)
		}
		if !strings.Contains(errOut.String(), "connection refused") {
			t.Fatalf("stderr %q", errOut.String())
		}
	})
	t.Run("on a terminal, the screen redrawn each time", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		src := &viewSource{states: [][]pipeline.AppView{one}, calls: 3, cancel: cancel}
		var out bytes.Buffer
		if err := watchPipeline(ctx, &out, io.Discard, true, time.Millisecond, src.get, render); err != nil {
			t.Fatal(err)
		}
		if got := out.String(); strings.Count(got, "\x1b[H\x1b[2J") != 2 || strings.Count(got, "shop 1\n") != 2 {
			t.Fatalf("output %q", got)
		}
	})
	t.Run("the first error ends it", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		src := &viewSource{states: [][]pipeline.AppView{one}, calls: 10, cancel: cancel, errs: map[int]error{0: errors.New("403 Forbidden")}}
		if err := watchPipeline(ctx, io.Discard, io.Discard, false, time.Millisecond, src.get, render); err == nil || !strings.Contains(err.Error(), "403") {
			t.Fatalf("err %v", err)
		}
	})
}
