package registry

import (
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/reference"
)

// Authorizer decides whether a request may do what it needs. It returns
// who is asking, or an error: auth.ErrUnauthorized (wrapped in an error
// with a Challenge() string method for the WWW-Authenticate header) or
// auth.ErrDenied. need is empty for /v2/ itself, which only asks who is
// there.
type Authorizer interface {
	Authorize(r *http.Request, need []auth.Scope) (actor string, err error)
}

// Publisher receives the registry's events once the changes they
// describe are durable.
type Publisher interface {
	Publish(events.Event)
}

// Observer is told about finished uploads, for metrics.
type Observer interface {
	UploadFinished(size int64, took time.Duration)
}

// Options are the registry's optional collaborators.
type Options struct {
	// Authorizer checks every request; nil lets everyone do everything.
	Authorizer Authorizer
	// Guard protects immutable tags; nil protects none.
	Guard meta.TagGuard
	// Events receives pushes, deletes and sampled pulls; nil drops them.
	Events Publisher
	// Observer hears about finished uploads; nil hears nothing.
	Observer Observer
	// RecentWindow is how long a digest a client looked at counts as in
	// use for garbage collection (see RecentlyUsed); 0 means one hour.
	RecentWindow time.Duration
}

// pullSample is the most often one (repository, digest) pull is reported.
const pullSample = time.Minute

// Registry is the /v2/ HTTP handler.
type Registry struct {
	blobs    *blob.Store
	meta     *meta.DB
	log      *slog.Logger
	now      func() time.Time
	authz    Authorizer
	guard    meta.TagGuard
	events   Publisher
	observer Observer
	recent   *recent
	pulls    *sampler

	routes map[endpoint]map[string]handlerFunc
}

// New returns a registry serving the content of blobs and db.
func New(blobs *blob.Store, db *meta.DB, log *slog.Logger, opts Options) *Registry {
	if opts.RecentWindow <= 0 {
		opts.RecentWindow = time.Hour
	}
	g := &Registry{
		blobs:    blobs,
		meta:     db,
		log:      log,
		now:      time.Now,
		authz:    opts.Authorizer,
		guard:    opts.Guard,
		events:   opts.Events,
		observer: opts.Observer,
		recent:   newRecent(opts.RecentWindow),
		pulls:    newSampler(pullSample),
	}
	g.routes = g.endpoints()
	return g
}

// RecentlyUsed reports whether a client looked at blob d (a HEAD, a GET,
// a mount) within the recent window: it may be about to reference it.
func (g *Registry) RecentlyUsed(d digest.Digest) bool { return g.recent.within(d, g.now()) }

// call is one request as the handlers see it: where it goes and who sent
// it.
type call struct {
	route
	actor string
	addr  string
}

// origin is who makes a change through this call, for the audit log.
func (c call) origin(now time.Time) meta.Origin {
	return meta.Origin{Actor: c.actor, Addr: c.addr, Time: now}
}

// publish reports a durable change, or a sampled pull, to the subscribers.
func (g *Registry) publish(e events.Event) {
	if g.events == nil {
		return
	}
	e.ID, e.Time = events.NewID(), g.now()
	g.events.Publish(e)
}

// handlerFunc handles one endpoint. An error it returns becomes the spec's
// error response, so it returns errors only before writing anything.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c call) error

// ServeHTTP routes a request to its endpoint after validating the
// repository name and checking that the caller may do what it asks.
func (g *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	h, c, err := g.dispatch(r)
	if err == nil {
		err = h(w, r, c)
	}
	if err != nil {
		writeError(w, r, g.log, err)
	}
}

func (g *Registry) dispatch(r *http.Request) (handlerFunc, call, error) {
	// Every valid name, reference and digest is plain ASCII: a path that
	// needed escaping (%2e%2e, %2f) is refused rather than decoded.
	if r.URL.RawPath != "" {
		return nil, call{}, &reference.Error{Kind: reference.ErrNameInvalid, Value: r.URL.RawPath, Reason: "escaped characters are not allowed in the path"}
	}
	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		return nil, call{}, errRoute
	}
	if rt.end != endBase && rt.end != endCatalog {
		if err := reference.ValidateName(rt.name); err != nil {
			return nil, call{}, err
		}
	}
	methods := g.routes[rt.end]
	h, ok := methods[r.Method]
	if !ok && r.Method == http.MethodHead {
		h, ok = methods[http.MethodGet]
	}
	if !ok {
		return nil, call{}, errMethod
	}
	actor, err := g.authorize(r, rt, needs(rt, r.Method))
	if err != nil {
		return nil, call{}, err
	}
	addr, _, _ := net.SplitHostPort(r.RemoteAddr)
	return h, call{route: rt, actor: actor, addr: addr}, nil
}

// authorize asks the Authorizer, if there is one.
func (g *Registry) authorize(r *http.Request, rt route, need []auth.Scope) (string, error) {
	if g.authz == nil {
		return auth.Anonymous, nil
	}
	return g.authz.Authorize(r, need)
}

// needs is what a request to rt with method must be allowed to do.
func needs(rt route, method string) []auth.Scope {
	repo := func(action string) []auth.Scope {
		return []auth.Scope{{Type: auth.TypeRepository, Name: rt.name, Actions: []string{action}}}
	}
	switch {
	case rt.end == endBase:
		return nil
	case rt.end == endCatalog:
		return []auth.Scope{{Type: auth.TypeRegistry, Name: "catalog", Actions: []string{"*"}}}
	case method == http.MethodDelete && (rt.end == endManifest || rt.end == endBlob):
		return repo("delete")
	case method == http.MethodGet || method == http.MethodHead:
		if rt.end == endUpload {
			return repo("push")
		}
		return repo("pull")
	default:
		return repo("push")
	}
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

func (g *Registry) base(w http.ResponseWriter, r *http.Request, _ call) error {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte("{}"))
	return nil
}
