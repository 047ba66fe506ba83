package api

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/deploy"
)

// Verifications is the answer of GET /api/apps/{app}/verifications:
// the runs of the verification jobs (x-berth.verify) of one revision,
// with their output.
type Verifications struct {
	App      string             `json:"app"`
	Revision int                `json:"revision"`
	Runs     []deploy.VerifyRun `json:"runs"`
}

// verifyResults are runs as a revision shows them: their results
// without their output, which is the jobs' logs and needs the logs
// right (GET /api/apps/{app}/verifications).
func verifyResults(runs []deploy.VerifyRun) []deploy.VerifyRun {
	if len(runs) == 0 {
		return nil
	}
	out := slices.Clone(runs)
	for i := range out {
		out[i].Output = ""
	}
	return out
}

// handleVerifications serves the output of verification jobs: of
// revision ?revision=N, or of the newest revision that ran one. It asks
// for the logs right on the app, as the containers' output does.
func (a *API) handleVerifications() {
	a.handleApp("GET /api/apps/{app}/verifications", auth.ActionLogs, func(r *http.Request, d Deployer) (any, error) {
		n, err := intParam(r, "revision", 0, 1<<30)
		if err != nil {
			return nil, err
		}
		app := r.PathValue("app")
		revs, err := d.History(app, 1<<30)
		if err != nil {
			return nil, deployStatus(err)
		}
		for _, rev := range revs { // newest first
			if (n == 0 && len(rev.Verify) > 0) || rev.Number == n {
				return Verifications{App: app, Revision: rev.Number, Runs: append([]deploy.VerifyRun{}, rev.Verify...)}, nil
			}
		}
		if n != 0 {
			return nil, deployStatus(fmt.Errorf("%w: %s has no revision %d", deploy.ErrRevisionUnknown, app, n))
		}
		return nil, statusError{http.StatusNotFound, fmt.Errorf("no revision of %s ran a verification job (x-berth.verify)", app)}
	})
}
