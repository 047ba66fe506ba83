// Package deploy is berth's deploy engine. It keeps the desired state of
// each app (its spec and the image digest of every service), records each
// rollout as a revision, and drives the host towards the desired state
// through a driver and the edge proxy, one rollout per app at a time.
//
// Every image is resolved to a digest before a rollout starts and the
// containers run that digest. Each revision's containers form a set,
// "blue" or "green", alternating from one revision to the next, so that
// rolling, blue-green and canary rollouts are all the same motion at
// different speeds: the new set starts beside the old one, is checked,
// takes traffic in the proxy (batch by batch, all at once, or in weighted
// steps), is watched, and then the old set drains and stops; on failure
// the traffic goes back and the new set stops instead. A service's
// verification job (x-berth.verify) is run by the driver (driver.Runner)
// against the new set through the proxy (Options.ProxyAddr) at the point
// its strategy gives it (verify.go); its failure is the rollout's, and its
// runs are kept with the revision (Revision.Verify).
//
// The engine's view is rebuilt on start from its store and the labels of
// the containers on the host: a rollout cut short by a crash is rolled
// back to the last good revision, and containers nothing accounts for are
// removed.
package deploy
