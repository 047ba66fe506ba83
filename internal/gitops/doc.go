// Package gitops makes the host run what git says: it follows each
// source (a git repository, a branch and a path in it), reads every
// Compose file there as one app, and drives the deploy engine so that
// what runs matches the branch's tip. It writes to git too: an image
// update that a service's policy (x-berth.update) accepts is committed
// and pushed first and applied once the push landed, and a rollback,
// by hand or by the engine after a failed rollout, is committed back so
// that git keeps saying what runs and automation never proposes the
// abandoned image again.
//
// Apps belong to environments: a source's apps run in its environment,
// or in the one its folder maps to, each environment with its deploy
// engine; one source may so hold an app of one name for two
// environments. A promotion into an app a source holds (Promote, for
// the pipeline) is a commit of the digests to that environment's file,
// applied at once, whose rollout records where the digests came from.
//
// One worker per source does all of a source's work, one pass at a
// time: fetch, image automation, apply, prune. A pass starts on the
// source's interval, on a push webhook, on berth sync, on a registry
// push of an image the source uses, and when a rollout of one of its
// apps ends. What it must remember across restarts (the commit applied
// per app, rejected digests, rollbacks still to write to git) is kept
// in a bbolt file, so that a crash between a commit and its rollout
// applies the commit once on restart.
package gitops
