package gitops

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/api"
)

// Condition types, as flux names them.
const (
	condReady       = "Ready"
	condReconciling = "Reconciling"
	condStalled     = "Stalled"
)

// view is what a source's status shows, kept by its worker.
type view struct {
	conds    map[string]api.Condition
	fetched  string
	applied  string
	lastErr  string
	lastSync time.Time
	apps     map[string]api.SourceApp // by keyOf
	notes    []string
}

func newView() view {
	return view{conds: map[string]api.Condition{}, apps: map[string]api.SourceApp{}}
}

// set sets a condition and reports whether it changed; Since moves only
// then.
func (v *view) set(typ string, status bool, reason, msg string, now time.Time) bool {
	old, ok := v.conds[typ]
	if ok && old.Status == status && old.Reason == reason && old.Message == msg {
		return false
	}
	since := now
	if ok && old.Status == status {
		since = old.Since
	}
	v.conds[typ] = api.Condition{Type: typ, Status: status, Reason: reason, Message: msg, Since: since}
	return true
}

func (v *view) snapshot() api.SourceStatus {
	st := api.SourceStatus{
		Fetched: v.fetched, Applied: v.applied, LastError: v.lastErr, LastSync: v.lastSync,
		Notes: slices.Clone(v.notes), Apps: []api.SourceApp{}, Conditions: []api.Condition{},
	}
	for _, typ := range []string{condReady, condReconciling, condStalled} {
		if c, ok := v.conds[typ]; ok {
			st.Conditions = append(st.Conditions, c)
		}
	}
	for _, a := range v.apps {
		st.Apps = append(st.Apps, a)
	}
	slices.SortFunc(st.Apps, func(a, b api.SourceApp) int {
		return cmp.Or(strings.Compare(a.App, b.App), strings.Compare(a.Env, b.Env), strings.Compare(a.File, b.File))
	})
	return st
}

// setConds sets the source's conditions and logs those that changed,
// so that a source that stays as it was logs nothing.
func (s *source) setConds(ready bool, reason, msg string, stalled bool, stalledReason string) {
	now := time.Now()
	s.mu.Lock()
	changed := s.view.set(condReady, ready, reason, msg, now)
	s.view.set(condReconciling, false, reason, msg, now)
	if stalled {
		s.view.set(condStalled, true, stalledReason, msg, now)
	} else {
		s.view.set(condStalled, false, reason, "", now)
	}
	s.mu.Unlock()
	if !changed {
		return
	}
	log := s.c.log.With("source", s.cfg.Name, "reason", reason)
	if ready {
		log.Info("source ready", "message", msg)
	} else {
		log.Warn("source not ready", "message", msg)
	}
}

func (s *source) reconciling(msg string) {
	s.mu.Lock()
	s.view.set(condReconciling, true, "Progressing", msg, time.Now())
	s.mu.Unlock()
}
