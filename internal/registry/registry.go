package registry

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/reference"
)

// Registry is the /v2/ HTTP handler.
type Registry struct {
	blobs *blob.Store
	meta  *meta.DB
	log   *slog.Logger
	now   func() time.Time

	routes map[endpoint]map[string]handlerFunc
}

// New returns a registry serving the content of blobs and db.
func New(blobs *blob.Store, db *meta.DB, log *slog.Logger) *Registry {
	g := &Registry{blobs: blobs, meta: db, log: log, now: time.Now}
	g.routes = g.endpoints()
	return g
}

// handlerFunc handles one endpoint. An error it returns becomes the spec's
// error response, so it returns errors only before writing anything.
type handlerFunc func(w http.ResponseWriter, r *http.Request, rt route) error

// ServeHTTP routes a request to its endpoint after validating the
// repository name.
func (g *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	h, rt, err := g.dispatch(r)
	if err == nil {
		err = h(w, r, rt)
	}
	if err != nil {
		writeError(w, r, g.log, err)
	}
}

func (g *Registry) dispatch(r *http.Request) (handlerFunc, route, error) {
	// Every valid name, reference and digest is plain ASCII: a path that
	// needed escaping (%2e%2e, %2f) is refused rather than decoded.
	if r.URL.RawPath != "" {
		return nil, route{}, &reference.Error{Kind: reference.ErrNameInvalid, Value: r.URL.RawPath, Reason: "escaped characters are not allowed in the path"}
	}
	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		return nil, rt, errRoute
	}
	if rt.end != endBase && rt.end != endCatalog {
		if err := reference.ValidateName(rt.name); err != nil {
			return nil, rt, err
		}
	}
	methods := g.routes[rt.end]
	h, ok := methods[r.Method]
	if !ok && r.Method == http.MethodHead {
		h, ok = methods[http.MethodGet]
	}
	if !ok {
		return nil, rt, errMethod
	}
	return h, rt, nil
}

func (g *Registry) endpoints() map[endpoint]map[string]handlerFunc {
	return map[endpoint]map[string]handlerFunc{
		endBase:      {http.MethodGet: g.base},
		endCatalog:   {http.MethodGet: g.catalog},
		endTags:      {http.MethodGet: g.tags},
		endReferrers: {http.MethodGet: g.referrers},
		endManifest: {
			http.MethodGet:    g.getManifest,
			http.MethodPut:    g.putManifest,
			http.MethodDelete: g.deleteManifest,
		},
		endBlob: {
			http.MethodGet:    g.getBlob,
			http.MethodDelete: g.deleteBlob,
		},
		endUploads: {http.MethodPost: g.startUpload},
		endUpload: {
			http.MethodGet:    g.uploadStatus,
			http.MethodPatch:  g.patchUpload,
			http.MethodPut:    g.finishUpload,
			http.MethodDelete: g.cancelUpload,
		},
	}
}

func (g *Registry) base(w http.ResponseWriter, r *http.Request, _ route) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
	return nil
}
