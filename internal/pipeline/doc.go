// Package pipeline holds berth's environments in their order and moves
// digests between them. Each environment has its own deploy engine
// (and so its own driver, store and history); a promotion takes the
// digests that run, healthy and verified, in one environment and rolls
// them out in the next with that environment's own spec and strategy,
// as one unit for every service of the app. An environment's rule says
// where it promotes from, whether it does so by itself once the source
// revision has been live long enough, what the source must have passed,
// and whether a person must approve; approvals and the promotions
// waiting for one are kept in pipeline.db. A digest that was rolled back
// in an environment is never promoted from it.
//
// Where git manages an app in the target environment, the promotion is
// a commit of the digests to that environment's files, which the git
// source then applies: git stays the source of truth.
package pipeline
