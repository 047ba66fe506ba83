package gitserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Serve serves the repository on 127.0.0.1 until the test ends, as
// Handler does, and returns its URL: http://127.0.0.1:port/repo.git.
func (r *Repo) Serve(tb testing.TB, user, password string) string {
	tb.Helper()
	s := httptest.NewServer(r.Handler(tb, user, password))
	tb.Cleanup(s.Close)
	return s.URL + "/" + r.Name
}

// ServePublic serves the repository on 127.0.0.1 until the test ends to
// anyone, asking no credentials, for fetching only: a push is refused
// with 403, as a server that lets only its users push refuses it. It
// returns the URL, http://127.0.0.1:port/repo.git.
func (r *Repo) ServePublic(tb testing.TB) string {
	tb.Helper()
	h := &handler{path: "/" + r.Name, backend: r.backend(tb,
		// Over the repository's own configuration, which Handler may have
		// set to let anyone push.
		"GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=http.receivepack", "GIT_CONFIG_VALUE_0=false",
	)}
	s := httptest.NewServer(h)
	tb.Cleanup(s.Close)
	return s.URL + "/" + r.Name
}

// Handler serves the repository at /repo.git by git's smart HTTP
// protocol (git http-backend, run as CGI) to requests with the basic
// credentials user and password, which may fetch and push: it sets
// http.receivepack in the repository's configuration. Every request
// without the credentials gets 401 with a challenge for them; a path
// outside the repository gets 404. It is for a test that runs the server
// itself, to stop it or to wrap the handler; Serve does the rest.
func (r *Repo) Handler(tb testing.TB, user, password string) http.Handler {
	tb.Helper()
	r.Git(tb, "config", "http.receivepack", "true")
	return &handler{
		path:     "/" + r.Name,
		auth:     true,
		user:     sha256.Sum256([]byte(user)),
		password: sha256.Sum256([]byte(password)),
		backend:  r.backend(tb, "REMOTE_USER="+user),
	}
}

// backend is git http-backend serving the repository, with env added to
// its hermetic environment.
func (r *Repo) backend(tb testing.TB, env ...string) *cgi.Handler {
	tb.Helper()
	path := filepath.Join(strings.TrimSpace(git(tb, r.env, "", "--exec-path")), "git-http-backend")
	if _, err := os.Stat(path); err != nil {
		tb.Fatalf("the tests need git http-backend: %v", err)
	}
	return &cgi.Handler{
		Path: path,
		Env: append([]string{
			"HOME=" + tb.TempDir(),
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=" + os.DevNull,
			"GIT_PROJECT_ROOT=" + filepath.Dir(r.Dir),
			"GIT_HTTP_EXPORT_ALL=1",
		}, env...),
	}
}

// handler lets requests for the repository with the credentials through
// to git http-backend.
type handler struct {
	path    string
	backend *cgi.Handler
	// auth is false for a server that asks no credentials.
	auth bool
	// user and password are hashed, to be compared in constant time
	// whatever their lengths.
	user, password [sha256.Size]byte
}

func (h *handler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if !strings.HasPrefix(req.URL.Path, h.path+"/") {
		http.NotFound(w, req)
		return
	}
	if h.auth && !h.allowed(req) {
		w.Header().Set("WWW-Authenticate", `Basic realm="git", charset="UTF-8"`)
		http.Error(w, "credentials needed", http.StatusUnauthorized)
		return
	}
	h.backend.ServeHTTP(w, req)
}

// allowed reports whether req carries the credentials.
func (h *handler) allowed(req *http.Request) bool {
	user, password, ok := req.BasicAuth()
	if !ok {
		return false
	}
	u, p := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
	return subtle.ConstantTimeCompare(u[:], h.user[:])&subtle.ConstantTimeCompare(p[:], h.password[:]) == 1
}
