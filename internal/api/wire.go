package api

import (
	"maps"
	"slices"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
)

// Revision is a revision as the API shows it. The values of its
// variables and files, which are often secrets, are never in it: only
// their names.
type Revision struct {
	App      string `json:"app"`
	Env      string `json:"env,omitempty"`
	Number   int    `json:"number"`
	File     string `json:"file"`
	Spec     string `json:"spec,omitempty"` // the Compose file as deployed
	SpecHash string `json:"specHash"`
	// Variables and Files name what the deploy was given besides the
	// spec: the variables its ${...} took, the files it refers to.
	Variables  []string                    `json:"variables,omitempty"`
	Files      []string                    `json:"files,omitempty"`
	Services   map[string]deploy.Placement `json:"services"`
	Changed    []string                    `json:"changed"`
	Strategy   string                      `json:"strategy"`
	Actor      string                      `json:"actor"`
	Source     string                      `json:"source,omitempty"` // the git source and commit it came from
	RollbackOf int                         `json:"rollbackOf,omitempty"`
	// Replaced is the revision live when this one started.
	Replaced int `json:"replaced,omitempty"`
	// Promotion says where promoted digests came from.
	Promotion *deploy.Promotion `json:"promotion,omitempty"`
	Started   time.Time         `json:"started"`
	Finished  time.Time         `json:"finished,omitzero"`
	Outcome   deploy.Outcome    `json:"outcome"`
	Reason    string            `json:"reason,omitempty"`
	Events    []deploy.Event    `json:"events,omitempty"`
	// Verify are the results of the verification jobs the rollout ran,
	// without their output (GET .../verifications has it).
	Verify []deploy.VerifyRun `json:"verify,omitempty"`
	// Warnings are what the deployer should know, such as that git
	// manages the app and will undo a deploy by hand.
	Warnings []string `json:"warnings,omitempty"`
}

// revisionOf shows r; brief leaves out the spec and the events, which
// lists of revisions and the end of a followed rollout do not repeat.
func revisionOf(r deploy.Revision, brief bool) Revision {
	out := Revision{
		App: r.App, Env: r.Environment, Number: r.Number, File: r.File, SpecHash: r.SpecHash,
		Variables: slices.Sorted(maps.Keys(r.Env)), Files: slices.Sorted(maps.Keys(r.Files)),
		Services: r.Services, Changed: r.Changed, Strategy: r.Strategy, Actor: r.Actor, Source: r.Source,
		RollbackOf: r.RollbackOf, Replaced: r.Replaced, Promotion: r.Promotion, Started: r.Started, Finished: r.Finished, Outcome: r.Outcome, Reason: r.Reason,
		Verify: verifyResults(r.Verify),
	}
	if !brief {
		out.Spec, out.Events = string(r.Spec), r.Events
	}
	return out
}
