package bench

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ErrInvalidTarget is wrapped by ParseTarget and ParseTargets when a
// target cannot be used.
var ErrInvalidTarget = errors.New("invalid target")

// Target is one registry under test.
type Target struct {
	// Name heads the target's column.
	Name string
	// URL is the registry's base URL, without a trailing slash; the API
	// is under URL/v2/.
	URL *url.URL
	// Client sends every request to the target.
	Client *http.Client
}

// ParseTarget reads a target given as URL or NAME=URL. A URL without a
// scheme is taken as http; a target without a name is named after its
// host. The returned target has no Client.
func ParseTarget(spec string) (Target, error) {
	name, raw := "", spec
	if before, after, ok := strings.Cut(spec, "="); ok && !strings.ContainsAny(before, ":/") {
		name, raw = before, after
		if name == "" {
			return Target{}, fmt.Errorf("%w %q: empty name before =", ErrInvalidTarget, spec)
		}
	}
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, fmt.Errorf("%w %q: %w", ErrInvalidTarget, spec, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Target{}, fmt.Errorf("%w %q: scheme %q, want http or https", ErrInvalidTarget, spec, u.Scheme)
	}
	if u.Host == "" {
		return Target{}, fmt.Errorf("%w %q: no host", ErrInvalidTarget, spec)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return Target{}, fmt.Errorf("%w %q: a base URL takes no query or fragment", ErrInvalidTarget, spec)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	if name == "" {
		name = u.Host
	}
	return Target{Name: name, URL: u}, nil
}

// ParseTargets reads every spec with ParseTarget, refuses two targets with
// the same name, and gives each target its own client able to keep conns
// connections open.
func ParseTargets(specs []string, conns int) ([]Target, error) {
	targets := make([]Target, 0, len(specs))
	seen := make(map[string]bool, len(specs))
	for _, spec := range specs {
		t, err := ParseTarget(spec)
		if err != nil {
			return nil, err
		}
		if seen[t.Name] {
			return nil, fmt.Errorf("%w %q: the name %q is used twice", ErrInvalidTarget, spec, t.Name)
		}
		seen[t.Name] = true
		t.Client = NewClient(conns)
		targets = append(targets, t)
	}
	return targets, nil
}

// NewClient returns an HTTP client that keeps up to conns idle connections
// per host alive, asks for no compression and never times a request out
// on its own (a large blob takes as long as it takes).
func NewClient(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 0
	tr.MaxIdleConnsPerHost = conns
	tr.IdleConnTimeout = time.Minute
	tr.DisableCompression = true
	return &http.Client{Transport: tr}
}

// endpoint returns the URL of path, which starts with /v2/, on t.
func (t Target) endpoint(path string) *url.URL {
	u := *t.URL
	u.Path += path
	return &u
}

// randomPrefix returns a repository prefix no earlier run has used, such
// as bench/3f9a0c12.
func randomPrefix() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails.
	return "bench/" + hex.EncodeToString(b)
}
