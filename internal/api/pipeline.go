package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/pipeline"
)

// Pipeline is what the promotion endpoints drive.
type Pipeline interface {
	Promote(ctx context.Context, req pipeline.Request) (pipeline.Result, error)
	Approve(ctx context.Context, app, env, actor string) (pipeline.Result, error)
	View(ctx context.Context, app string) ([]pipeline.AppView, error)
}

// PromotionAnswer answers a promotion or an approval: the revision that
// started in the target environment, or the promotion now waiting for
// approval.
type PromotionAnswer struct {
	Revision *Revision         `json:"revision,omitempty"`
	Source   string            `json:"source,omitempty"`
	Waiting  *pipeline.Waiting `json:"waiting,omitempty"`
}

// ApproveRequest is the body of POST /api/apps/{app}/approvals.
type ApproveRequest struct {
	Env string `json:"env"`
}

// pipelineStatus maps the pipeline's errors to HTTP statuses.
func pipelineStatus(err error) error {
	switch {
	case errors.Is(err, pipeline.ErrEnvUnknown):
		return statusError{http.StatusNotFound, err}
	case errors.Is(err, pipeline.ErrRefused), errors.Is(err, pipeline.ErrNothingWaiting):
		return statusError{http.StatusConflict, err}
	}
	return deployStatus(err)
}

// HandlePipeline serves promotion between environments:
// POST /api/apps/{app}/promotions (the right to promote the app in the
// target environment), POST /api/apps/{app}/approvals (to approve it
// there) and GET /api/pipeline[?app=] (every environment of the apps
// the caller may read in it).
func (a *API) HandlePipeline(p Pipeline) {
	a.handle("POST /api/apps/{app}/promotions", known, func(r *http.Request) (any, error) {
		var req pipeline.Request
		if err := decodeSmall(r, &req); err != nil {
			return nil, err
		}
		req.App, req.Actor = r.PathValue("app"), actorOf(r)
		if req.To == "" {
			return nil, fmt.Errorf("%w: say which environment to promote to (\"to\")", errBadRequest)
		}
		if err := a.allow(r, a.appScope(req.To, req.App, auth.ActionPromote)); err != nil {
			return nil, err
		}
		res, err := p.Promote(r.Context(), req)
		if err != nil {
			return nil, pipelineStatus(err)
		}
		return answerOf(res), nil
	})
	a.handle("POST /api/apps/{app}/approvals", known, func(r *http.Request) (any, error) {
		var req ApproveRequest
		if err := decodeSmall(r, &req); err != nil {
			return nil, err
		}
		if req.Env == "" {
			return nil, fmt.Errorf("%w: say which environment the approval is for (\"env\")", errBadRequest)
		}
		app := r.PathValue("app")
		if err := a.allow(r, a.appScope(req.Env, app, auth.ActionApprove)); err != nil {
			return nil, err
		}
		res, err := p.Approve(r.Context(), app, req.Env, actorOf(r))
		if err != nil {
			return nil, pipelineStatus(err)
		}
		return answerOf(res), nil
	})
	a.handle("GET /api/pipeline", known, func(r *http.Request) (any, error) {
		views, err := p.View(r.Context(), r.URL.Query().Get("app"))
		if err != nil {
			return nil, pipelineStatus(err)
		}
		out := []pipeline.AppView{}
		for _, v := range views {
			var shown []pipeline.EnvView
			for _, e := range v.Envs {
				switch err := a.allow(r, a.appScope(e.Env, v.App, auth.ActionRead)); {
				case err == nil:
					shown = append(shown, e)
				case !errors.Is(err, auth.ErrDenied):
					return nil, err
				}
			}
			if len(shown) > 0 {
				out = append(out, pipeline.AppView{App: v.App, Envs: shown})
			}
		}
		return out, nil
	})
}

// answerOf shows a promotion's result.
func answerOf(res pipeline.Result) PromotionAnswer {
	out := PromotionAnswer{Source: res.Source, Waiting: res.Waiting}
	if res.Revision != nil {
		rev := revisionOf(*res.Revision, true)
		out.Revision = &rev
	}
	return out
}

// decodeSmall reads a small JSON body into v; an empty body leaves v.
func decodeSmall(r *http.Request, v any) error {
	err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 64<<10)).Decode(v)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: reading the request: %v", errBadRequest, err)
	}
	return nil
}
