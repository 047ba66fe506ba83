package api

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
)

// historyDeployer answers History with revs.
type historyDeployer struct {
	*recordingDeployer
	revs []deploy.Revision
}

func (d historyDeployer) History(app string, _ int) ([]deploy.Revision, error) {
	if app != "shop" {
		return nil, deploy.ErrAppUnknown
	}
	return d.revs, nil
}

// singleEnv is berth with one environment whose engine is d.
type singleEnv struct{ d Deployer }

func (s singleEnv) Deployer(string) (Deployer, error) { return s.d, nil }
func (s singleEnv) Deployers() []Deployer             { return []Deployer{s.d} }

func TestVerificationsCarryTheJobsOutputToThoseWhoMayReadLogs(t *testing.T) {
	failed := deploy.VerifyRun{Service: "web", Image: "smoke@sha256:1", At: "before the switch", ExitCode: 1, Output: "probe: FAIL\n"}
	passed := deploy.VerifyRun{Service: "web", Image: "smoke@sha256:1", At: "before the switch", Passed: true, Output: "probe: PASS\n"}
	d := historyDeployer{&recordingDeployer{}, []deploy.Revision{
		{App: "shop", Number: 4},
		{App: "shop", Number: 3, Verify: []deploy.VerifyRun{failed}},
		{App: "shop", Number: 2, Verify: []deploy.VerifyRun{passed}},
		{App: "shop", Number: 1},
	}}
	a := New(adminGate{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.HandleDeploy(singleEnv{d})
	srv := httptest.NewServer(a)
	defer srv.Close()

	var revs []Revision
	if code := call(t, http.MethodGet, srv.URL+"/api/apps/shop/revisions", "Bearer admin", &revs); code != http.StatusOK || len(revs) != 4 {
		t.Fatalf("GET revisions: %d, %+v", code, revs)
	}
	if got := revs[1].Verify; len(got) != 1 || got[0].ExitCode != 1 || got[0].Passed || got[0].At != "before the switch" || got[0].Output != "" {
		t.Errorf("revision 3 in the list shows %+v; want its result without its output", got)
	}
	if d.revs[1].Verify[0].Output == "" {
		t.Error("showing the list cleared the engine's own copy of the output")
	}
	for _, c := range []struct {
		query string
		code  int
		rev   int
		out   string
	}{
		{"", http.StatusOK, 3, "probe: FAIL\n"},
		{"?revision=2", http.StatusOK, 2, "probe: PASS\n"},
		{"?revision=4", http.StatusOK, 4, ""},
		{"?revision=9", http.StatusNotFound, 0, ""},
		{"?revision=x", http.StatusBadRequest, 0, ""},
	} {
		var v Verifications
		code := call(t, http.MethodGet, srv.URL+"/api/apps/shop/verifications"+c.query, "Bearer admin", &v)
		if code != c.code {
			t.Errorf("GET verifications%s: %d, want %d", c.query, code, c.code)
			continue
		}
		if code != http.StatusOK {
			continue
		}
		if v.Revision != c.rev || (c.out != "" && (len(v.Runs) != 1 || v.Runs[0].Output != c.out)) || (c.out == "" && len(v.Runs) != 0) {
			t.Errorf("GET verifications%s = %+v, want revision %d with output %q", c.query, v, c.rev, c.out)
		}
	}
	if code := call(t, http.MethodGet, srv.URL+"/api/apps/other/verifications", "Bearer admin", nil); code != http.StatusNotFound {
		t.Errorf("an unknown app: %d, want 404", code)
	}
	if code := call(t, http.MethodGet, srv.URL+"/api/apps/shop/verifications", "", nil); code != http.StatusUnauthorized {
		t.Errorf("without a token: %d, want 401", code)
	}
}
