package deploy

import "time"

// VerifyRun is one run of a service's verification job (x-berth.verify)
// during a rollout, kept with the revision.
type VerifyRun struct {
	Service string `json:"service"`
	// Image is what the job ran, pinned by digest.
	Image string `json:"image"`
	// At says where in the rollout it ran ("before the switch", "at the
	// 20% step", "after the last batch").
	At       string    `json:"at"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	ExitCode int       `json:"exitCode"`
	Passed   bool      `json:"passed"`
	// Output is the end of what the job wrote.
	Output string `json:"output,omitempty"`
	// Error says why the job could not run or finish, if it could not.
	Error string `json:"error,omitempty"`
}

// Verified says how the verification of a revision went: "passed" when
// every run passed, "failed" when one did not, "none" without a run.
func (r Revision) Verified() string {
	if len(r.Verify) == 0 {
		return "none"
	}
	for _, v := range r.Verify {
		if !v.Passed {
			return "failed"
		}
	}
	return "passed"
}
