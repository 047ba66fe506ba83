package server

import (
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/registry"
)

// routes is berth's one HTTP handler:
//
//	/v2/...        the OCI registry, without path cleaning, so that a
//	               hostile path is refused rather than redirected
//	/token         the token endpoint, when berth authenticates
//	/api/...       the JSON API
//	/metrics       Prometheus metrics
//	/healthz       200 while the process runs
//	/readyz        200 while it accepts requests, 503 once it stops
//
// A guard in front refuses requests for other host names and
// state-changing requests from other web sites.
func (p *parts) routes(serving *atomic.Bool) http.Handler {
	metricsHandler := p.metrics.Handler()
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.Path
		switch {
		case path == "/v2" || strings.HasPrefix(path, "/v2/"):
			p.registry.ServeHTTP(w, r)
		case path == "/token":
			p.auth.ServeHTTP(w, r)
		case strings.HasPrefix(path, "/api/"):
			p.api.ServeHTTP(w, r)
		case path == "/metrics":
			metricsHandler.ServeHTTP(w, r)
		case path == "/healthz":
			health(w, true)
		case path == "/readyz":
			health(w, serving.Load())
		default:
			http.NotFound(w, r)
		}
	})
	authenticating := func() bool { return p.auth.svc.Load() != nil }
	return p.metrics.Wrap(routeName, newGuard(p.cfg, authenticating, inner))
}

// routeName labels a request for metrics with one of a few names.
func routeName(r *http.Request) string {
	path := r.URL.Path
	switch {
	case path == "/v2" || strings.HasPrefix(path, "/v2/"):
		return "v2_" + registry.EndpointName(path)
	case path == "/token":
		return "token"
	case strings.HasPrefix(path, "/api/"):
		return "api"
	case path == "/metrics", path == "/healthz", path == "/readyz":
		return strings.TrimPrefix(path, "/")
	}
	return "other"
}

func health(w http.ResponseWriter, ok bool) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !ok {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("stopping\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// gate asks the Authorizer for the right an API endpoint needs: "*" on
// registry:admin for the registry's endpoints, one action on an app for
// the deploy endpoints. A scope without actions asks only who is calling.
type gate struct{ authz registry.Authorizer }

func (g gate) Allow(r *http.Request, sc auth.Scope) (string, error) {
	if len(sc.Actions) == 0 {
		return g.authz.Authorize(r, nil)
	}
	return g.authz.Authorize(r, []auth.Scope{sc})
}
