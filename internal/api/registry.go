package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/berth-dev/berth/internal/gc"
	"github.com/berth-dev/berth/internal/meta"
)

// AuditLog reads the audit log.
type AuditLog interface {
	Audit(q meta.AuditQuery) ([]meta.AuditEntry, error)
}

// Collector runs garbage collection.
type Collector interface {
	Run(ctx context.Context, dryRun bool) (gc.Report, error)
	Last() (gc.Report, int, bool)
}

// statusError is an error with its own HTTP status.
type statusError struct {
	status int
	err    error
}

func (e statusError) Error() string   { return e.err.Error() }
func (e statusError) Unwrap() error   { return e.err }
func (e statusError) HTTPStatus() int { return e.status }

// HandleAudit serves GET /api/registry/audit?repo=&since=&limit=.
func (a *API) HandleAudit(log AuditLog) {
	a.handle("GET /api/registry/audit", admin, func(r *http.Request) (any, error) {
		limit, err := intParam(r, "limit", 100, 10000)
		if err != nil {
			return nil, err
		}
		since, err := timeParam(r, "since", time.Now())
		if err != nil {
			return nil, err
		}
		return log.Audit(meta.AuditQuery{Repo: r.URL.Query().Get("repo"), Since: since, Limit: limit})
	})
}

// HandleGC serves POST /api/registry/gc?dry_run= (collect now) and
// GET /api/registry/gc (the last collection's report).
func (a *API) HandleGC(c Collector) {
	a.handle("POST /api/registry/gc", admin, func(r *http.Request) (any, error) {
		dry, err := boolParam(r, "dry_run")
		if err != nil {
			return nil, err
		}
		rep, err := c.Run(r.Context(), dry)
		if errors.Is(err, gc.ErrRunning) {
			return nil, statusError{http.StatusConflict, err}
		}
		return rep, err
	})
	a.handle("GET /api/registry/gc", admin, func(r *http.Request) (any, error) {
		rep, _, ok := c.Last()
		if !ok {
			return nil, statusError{http.StatusNotFound, errors.New("no garbage collection has run since berth started")}
		}
		return rep, nil
	})
}

// DeliveryLog reads webhook deliveries.
type DeliveryLog interface {
	Deliveries(limit int, webhook string) ([]meta.Delivery, error)
}

// HandleDeliveries serves GET /api/registry/webhooks/deliveries?webhook=&limit=,
// newest first, each with its attempts.
func (a *API) HandleDeliveries(log DeliveryLog) {
	a.handle("GET /api/registry/webhooks/deliveries", admin, func(r *http.Request) (any, error) {
		limit, err := intParam(r, "limit", 100, 10000)
		if err != nil {
			return nil, err
		}
		out, err := log.Deliveries(limit, r.URL.Query().Get("webhook"))
		if out == nil {
			out = []meta.Delivery{}
		}
		return out, err
	})
}
