package deploy

import (
	"errors"
	"time"

	"github.com/berth-dev/berth/internal/spec"
)

// Outcome is where a rollout stands or how it ended.
type Outcome string

const (
	OutcomeRunning    Outcome = "running"     // in progress
	OutcomePaused     Outcome = "paused"      // waiting for promote or abort
	OutcomeSucceeded  Outcome = "succeeded"   // the revision is live
	OutcomeRolledBack Outcome = "rolled-back" // failed; the previous revision is live again
	OutcomeAborted    Outcome = "aborted"     // stopped by hand; the previous revision is live
	OutcomeFailed     Outcome = "failed"      // failed and could not be rolled back
	OutcomeSuperseded Outcome = "superseded"  // was live; a later revision replaced it
)

// Done reports whether the rollout has ended.
func (o Outcome) Done() bool { return o != OutcomeRunning && o != OutcomePaused }

var (
	// ErrAppUnknown reports an app berth has never deployed.
	ErrAppUnknown = errors.New("app unknown")
	// ErrRevisionUnknown reports a revision that does not exist.
	ErrRevisionUnknown = errors.New("revision unknown")
	// ErrBusy reports a rollout asked for while another one of the same
	// app runs.
	ErrBusy = errors.New("a rollout of this app is in progress")
	// ErrNotPaused reports promote or abort without a rollout to act on.
	ErrNotPaused = errors.New("no rollout is waiting")
)

// ServiceImage is the image a revision runs for one service.
type ServiceImage struct {
	// Ref is the image as the spec or the deploy command named it.
	Ref string `json:"ref"`
	// Image is what the containers run: the repository pinned by digest.
	Image  string `json:"image"`
	Digest string `json:"digest"`
}

// Placement is where a revision's service runs: the image, the service's
// configuration, and the labels of its containers. A service a revision
// did not change keeps the placement of the revision that last did.
type Placement struct {
	ServiceImage
	// Config is a hash of the service's spec apart from its image.
	Config string `json:"config"`
	// Revision and Set label the service's containers.
	Revision int    `json:"revision"`
	Set      string `json:"set"`
}

// Event is one step of a rollout, as shown to the user.
type Event struct {
	Time    time.Time `json:"time"`
	Service string    `json:"service,omitempty"`
	Message string    `json:"message"`
	// Traffic is the share of requests on the new set, when it changed.
	Traffic *int `json:"traffic,omitempty"`
	// Back is, on a rollback's traffic event, the revision whose version
	// the new set runs: the traffic goes back to it.
	Back int `json:"back,omitempty"`
}

// Promotion says where a revision's digests came from when it was
// promoted from another environment.
type Promotion struct {
	// From is the environment, Revision its revision the digests ran in.
	From     string `json:"from"`
	Revision int    `json:"revision"`
	// Approver approved it, when the environment's rule asks for that.
	Approver string `json:"approver,omitempty"`
}

// Revision is one rollout of an app and what it ran.
type Revision struct {
	App string `json:"app"`
	// Environment is the environment the app runs in.
	Environment string `json:"env,omitempty"`
	Number      int    `json:"number"`
	File        string `json:"file"`
	// Dir is the directory the spec came from, as the deployer gave it.
	Dir      string `json:"dir,omitempty"`
	Spec     []byte `json:"spec"` // the compose file as deployed
	SpecHash string `json:"specHash"`
	// HostSuffix is the environment's route host suffix as it was when
	// the revision was made, so that the spec reads the same later.
	HostSuffix string `json:"hostSuffix,omitempty"`
	// Env holds the variables the spec's ${...} took from the deployer's
	// environment, and Files the files it refers to (env_file, secrets
	// and configs), so that a rollback reads the spec the same way. They
	// are often secrets: the store seals them, and they never leave the
	// engine but to be deployed.
	Env      map[string]string    `json:"-"`
	Files    map[string][]byte    `json:"-"`
	Services map[string]Placement `json:"services"`
	// Changed lists the services this revision rolls, in order.
	Changed  []string `json:"changed"`
	Strategy string   `json:"strategy"`
	Actor    string   `json:"actor"`
	// Source is where the spec came from, such as a git source and its
	// commit ("config@1a2b3c4"); "" for a deploy by hand.
	Source     string `json:"source,omitempty"`
	RollbackOf int    `json:"rollbackOf,omitempty"` // this revision restores that one
	// Replaced is the revision that was live when this one started, 0
	// for the first.
	Replaced int `json:"replaced,omitempty"`
	// Promotion is set when the digests were promoted from another
	// environment.
	Promotion *Promotion `json:"promotion,omitempty"`
	// Verify holds the runs of the services' verification jobs.
	Verify []VerifyRun `json:"verify,omitempty"`
	// VerifyImages are the images of the services' verification jobs
	// (x-berth.verify), resolved when the revision was made, so that a
	// rollback to it runs the same digests.
	VerifyImages map[string]ServiceImage `json:"verifyImages,omitempty"`
	Started      time.Time               `json:"started"`
	Finished     time.Time               `json:"finished,omitzero"`
	Outcome      Outcome                 `json:"outcome"`
	Reason       string                  `json:"reason,omitempty"` // why it failed, rolled back or was aborted
	Events       []Event                 `json:"events"`
}

// otherSet is the colour a revision after one of colour set runs as.
func otherSet(set string) string {
	if set == "blue" {
		return "green"
	}
	return "blue"
}

// read reads the revision's spec as it was deployed.
func (r Revision) read() (*spec.App, error) {
	dir := r.Dir
	if dir == "" {
		dir = r.App // revisions from before Dir was kept
	}
	return spec.Read(spec.Input{Name: r.File, Data: r.Spec, Dir: dir, Env: r.Env, Files: r.Files, HostSuffix: r.HostSuffix})
}
