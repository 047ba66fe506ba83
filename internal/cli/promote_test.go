package cli

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/pipeline"
)

func TestPromote(t *testing.T) {
	started := api.PromotionAnswer{Revision: &api.Revision{App: "shop", Env: "production", Number: 7,
		Promotion: &deploy.Promotion{From: "integration", Revision: 4}}}

	t.Run("starts a rollout and follows it in the target", func(t *testing.T) {
		f, server := newFakeApps(t)
		f.promotion = started
		code, stdout, stderr := runBerth(t, "promote", "shop", "--to", "production", "--from", "integration", "--revision", "4", "--server", server)
		if code != 0 {
			t.Fatalf("exit %d:\n%s%s", code, stdout, stderr)
		}
		if !strings.HasPrefix(stdout, "revision 7 of production/shop started (promoted from integration revision 4)\n") ||
			!strings.Contains(stdout, "web        started 1 container") {
			t.Fatalf("stdout:\n%s", stdout)
		}
		var req pipeline.Request
		if err := json.Unmarshal([]byte(f.bodies["POST /api/apps/shop/promotions"]), &req); err != nil ||
			req.To != "production" || req.From != "integration" || req.Revision != 4 {
			t.Fatalf("promotion body %q: %v", f.bodies["POST /api/apps/shop/promotions"], err)
		}
		if calls := f.callsSoFar(); !slices.Equal(calls, []string{"POST /api/apps/shop/promotions", "GET /api/apps/shop/revisions/7/events?env=production"}) {
			t.Fatalf("calls %q", calls)
		}
	})
	t.Run("exits 1 when the rollout fails", func(t *testing.T) {
		f, server := newFakeApps(t)
		f.promotion, f.outcome = started, deploy.OutcomeRolledBack
		code, _, stderr := runBerth(t, "promote", "shop", "--to", "production", "--server", server)
		if code != 1 || !strings.Contains(stderr, "revision 7 rolled-back: health check failed") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
	t.Run("--detach does not follow", func(t *testing.T) {
		f, server := newFakeApps(t)
		f.promotion = api.PromotionAnswer{Revision: started.Revision, Source: "config"}
		code, stdout, _ := runBerth(t, "promote", "shop", "--to", "production", "--detach", "--server", server)
		want := "revision 7 of production/shop started (promoted from integration revision 4, committed to git source config)\n" +
			"rolling out in the background; see berth status shop --env production\n"
		if code != 0 || stdout != want {
			t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s", code, stdout, want)
		}
		if calls := f.callsSoFar(); len(calls) != 1 {
			t.Fatalf("calls %q", calls)
		}
	})
	t.Run("waiting for approval says how to give it and exits 0", func(t *testing.T) {
		f, server := newFakeApps(t)
		f.promotion = api.PromotionAnswer{Waiting: &pipeline.Waiting{App: "shop", Env: "production", From: "qa", Revision: 5, By: "alice"}}
		code, stdout, stderr := runBerth(t, "promote", "shop", "--to", "production", "--server", server)
		want := "revision 5 of qa/shop waits for approval to go into production (asked by alice)\n" +
			"approve it with: berth approve shop --env production\n"
		if code != 0 || stdout != want {
			t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s\nstderr %s", code, stdout, want, stderr)
		}
		if calls := f.callsSoFar(); len(calls) != 1 {
			t.Fatalf("calls %q: nothing to follow", calls)
		}
	})
	t.Run("needs --to", func(t *testing.T) {
		code, _, stderr := runBerth(t, "promote", "shop", "--server", "http://127.0.0.1:1")
		if code != 1 || !strings.Contains(stderr, "--to ENV") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
}

func TestApprove(t *testing.T) {
	t.Run("releases the promotion and follows its rollout", func(t *testing.T) {
		f, server := newFakeApps(t)
		f.promotion = api.PromotionAnswer{Revision: &api.Revision{App: "shop", Env: "production", Number: 8,
			Promotion: &deploy.Promotion{From: "qa", Revision: 5, Approver: "bob"}}}
		t.Setenv(envEnvironment, "integration") // not what an approval takes
		code, stdout, stderr := runBerth(t, "approve", "shop", "--env", "production", "--server", server)
		if code != 0 || !strings.HasPrefix(stdout, "revision 8 of production/shop started (promoted from qa revision 5, approved by bob)\n") {
			t.Fatalf("exit %d, stdout:\n%s%s", code, stdout, stderr)
		}
		var req api.ApproveRequest
		for call, body := range f.bodies {
			if strings.HasPrefix(call, "POST /api/apps/shop/approvals") {
				_ = json.Unmarshal([]byte(body), &req)
			}
		}
		if req.Env != "production" {
			t.Fatalf("approval bodies %q", f.bodies)
		}
		if calls := f.callsSoFar(); !slices.Contains(calls, "GET /api/apps/shop/revisions/8/events?env=production") {
			t.Fatalf("calls %q", calls)
		}
	})
	t.Run("needs --env, even with BERTH_ENV", func(t *testing.T) {
		t.Setenv(envEnvironment, "production")
		code, _, stderr := runBerth(t, "approve", "shop", "--server", "http://127.0.0.1:1")
		if code != 1 || !strings.Contains(stderr, "--env ENV") {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
	})
}

func TestBothPromoteCommandsSayWhichIsWhich(t *testing.T) {
	root := newRootCmd()
	promote, _, err := root.Find([]string{"promote"})
	if err != nil {
		t.Fatal(err)
	}
	rollout, _, err := root.Find([]string{"rollout", "promote"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(promote.Short, "berth rollout promote") || !strings.Contains(rollout.Short, "berth promote") {
		t.Fatalf("promote: %q\nrollout promote: %q", promote.Short, rollout.Short)
	}
}
