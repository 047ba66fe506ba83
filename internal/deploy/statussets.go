package deploy

import (
	"time"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/spec"
)

// SetStatus is a set of a service that runs besides the live one.
type SetStatus struct {
	Set      string `json:"set"`
	Revision int    `json:"revision"`
	Ref      string `json:"ref,omitempty"`
	Running  int    `json:"running"`
	Healthy  int    `json:"healthy"`
	// Traffic is its share of the service's requests, in percent.
	Traffic int `json:"traffic"`
	// State is SetRollingOut, SetWaiting or SetWarm.
	State string `json:"state"`
	// Until is when a warm set is retired.
	Until time.Time `json:"until,omitzero"`
}

// States of a set besides the live one.
const (
	SetRollingOut = "rolling out"         // the new set of a running rollout
	SetWaiting    = "waiting for promote" // the new set of a paused rollout
	SetWarm       = "kept warm"           // the old set after a switch, for an instant way back
)

// countSet counts the containers of svc at placement p among insts.
func (e *Engine) countSet(svc spec.Service, job bool, insts []driver.Instance, p Placement) (running, healthy, completed int) {
	for _, i := range insts {
		if i.Service != svc.Name || i.Revision != p.Revision || i.Set != p.Set {
			continue
		}
		if job && i.State == "exited" && i.ExitCode == 0 {
			completed++
		}
		if !i.Running() {
			continue
		}
		running++
		if svc.Route != nil {
			if ok, known := e.router.Healthy(i.ID); ok || !known {
				healthy++
			}
		} else if i.Health != "unhealthy" {
			healthy++
		}
	}
	return running, healthy, completed
}

// otherSets lists the sets of app's svc that run besides the live one
// at live: the new set of ro, the app's rollout (nil for none), and the
// set kept warm.
func (e *Engine) otherSets(app string, svc spec.Service, live Placement, insts []driver.Instance, ro *rollout) []SetStatus {
	var out []SetStatus
	if ro != nil {
		r := ro.snapshot()
		if to, ok := r.Services[svc.Name]; ok && placementKey(to) != placementKey(live) {
			s := SetStatus{Set: to.Set, Revision: to.Revision, Ref: to.Ref, State: SetRollingOut}
			if r.Outcome == OutcomePaused {
				s.State = SetWaiting
			}
			for _, ev := range r.Events {
				if ev.Service == svc.Name && ev.Traffic != nil {
					s.Traffic = *ev.Traffic
				}
			}
			s.Running, s.Healthy, _ = e.countSet(svc, false, insts, to)
			if s.Running > 0 || s.State == SetWaiting {
				out = append(out, s)
			}
		}
	}
	e.mu.Lock()
	w := e.warm[warmKey(app, svc.Name)]
	e.mu.Unlock()
	if w != nil && len(w.insts) > 0 && w.placement != placementKey(live) {
		p := Placement{Revision: w.insts[0].Revision, Set: w.insts[0].Set}
		s := SetStatus{Set: p.Set, Revision: p.Revision, State: SetWarm, Until: w.until}
		s.Running, s.Healthy, _ = e.countSet(svc, false, insts, p)
		out = append(out, s)
	}
	return out
}
