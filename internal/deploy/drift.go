package deploy

import (
	"fmt"
	"slices"
)

// drift is one difference from the live revision that a reconcile found
// on the host and corrected.
type drift struct {
	service string // "" for the app as a whole
	what    string
}

// OutcomeCorrected marks a record of drift: not a rollout, but what a
// reconcile found changed on the host (a container stopped, removed,
// started by hand or running another image) and put back as the live
// revision says.
const OutcomeCorrected Outcome = "drift-corrected"

// recordDrift adds what was corrected to the app's history, as a record
// of its own that leaves the live revision as it is.
func (e *Engine) recordDrift(live *Revision, found []drift) {
	rec := &Revision{
		App: live.App, File: live.File, SpecHash: live.SpecHash, Services: live.Services,
		Strategy: "drift", Actor: "drift", Source: live.Source, Started: e.now(), Finished: e.now(),
		Outcome: OutcomeCorrected, Reason: fmt.Sprintf("the host differed from revision %d", live.Number), Events: []Event{},
	}
	for _, f := range found {
		if f.service != "" && !slices.Contains(rec.Changed, f.service) {
			rec.Changed = append(rec.Changed, f.service)
		}
		rec.Events = append(rec.Events, Event{Time: e.now(), Service: f.service, Message: f.what})
		e.log.Warn("drift corrected", "app", live.App, "service", f.service, "what", f.what)
	}
	if err := e.store.newRevision(rec); err != nil {
		e.log.Error("recording drift", "app", live.App, "err", err)
	}
}
