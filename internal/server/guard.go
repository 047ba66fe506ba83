package server

import (
	"encoding/json"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"

	"github.com/berth-dev/berth/internal/config"
)

// guard refuses the requests that a web page in the user's browser could
// make the registry and the API answer, before they reach either:
//
//   - a Host the server does not answer to gets 421: with it a page whose
//     name resolves to this machine (DNS rebinding) would be same-origin
//     with berth;
//   - a state-changing request (any method but GET, HEAD and OPTIONS) from
//     another web origin or marked Sec-Fetch-Site: cross-site gets 403;
//   - a state-changing request under /api/ without Content-Type:
//     application/json gets 403, even without a body: that type makes a
//     browser ask first (a CORS preflight), which berth never allows, so
//     no page elsewhere can send one.
//
// Registry clients (docker, crane, skopeo, regctl) and berth's CLI send
// no Origin header, so none of this is in their way.
type guard struct {
	next http.Handler
	// restrict reports whether the Host is checked now.
	restrict func() bool
	// hosts are the names answered to besides loopback ones, canonical.
	hosts map[string]bool
	// origins are the allowed web origins besides the server's own,
	// canonical.
	origins map[string]bool
}

// newGuard guards next as cfg says. The Host is checked when
// cfg.Server.AllowedHosts is set, and while berth serves without accounts
// on a loopback address (authenticating may change on a reload).
func newGuard(cfg config.Config, authenticating func() bool, next http.Handler) *guard {
	g := &guard{next: next, hosts: map[string]bool{}, origins: map[string]bool{}}
	for _, h := range cfg.Server.AllowedHosts {
		g.hosts[hostName(h)] = true
	}
	listenHost, _, _ := net.SplitHostPort(cfg.Listen)
	if ip := net.ParseIP(listenHost); listenHost != "" && (ip == nil || !ip.IsUnspecified()) {
		g.hosts[hostName(listenHost)] = true // how the deploy engine pulls
	}
	for _, o := range cfg.Server.AllowedOrigins {
		if c, err := config.CanonicalOrigin(o); err == nil {
			g.origins[c] = true
		}
	}
	configured, loopback := len(cfg.Server.AllowedHosts) > 0, config.IsLoopback(listenHost)
	g.restrict = func() bool { return configured || loopback && !authenticating() }
	return g
}

func (g *guard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Probes address the server by whatever reaches it, and learn nothing.
	probe := r.URL.Path == "/healthz" || r.URL.Path == "/readyz"
	if !probe && g.restrict() && !g.hostAllowed(r.Host) {
		refuse(w, r, http.StatusMisdirectedRequest, fmt.Sprintf("berth does not answer to the host name %q: "+
			"if it names this server, add it to server.allowed_hosts in the config (or --allowed-host, %s)",
			hostName(r.Host), config.EnvAllowedHosts))
		return
	}
	if reason := g.crossSite(r); reason != "" {
		refuse(w, r, http.StatusForbidden, reason)
		return
	}
	g.next.ServeHTTP(w, r)
}

// hostAllowed reports whether a Host header names this server: a loopback
// address, localhost or a name under it (browsers resolve those to
// loopback themselves, so no page can rebind them), or a name configured.
func (g *guard) hostAllowed(hostport string) bool {
	name := hostName(hostport)
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	if ip := net.ParseIP(name); ip != nil && ip.IsLoopback() {
		return true
	}
	return name != "" && g.hosts[name]
}

// hostName returns the host of a Host header without port, brackets or a
// final dot, in lowercase, and an IP address in its usual form.
func hostName(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if ip := net.ParseIP(h); ip != nil {
		return ip.String()
	}
	return h
}

// crossSite says why a request that changes state may have come from a
// page of another site, or "" when it may go on.
func (g *guard) crossSite(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	if strings.EqualFold(r.Header.Get("Sec-Fetch-Site"), "cross-site") {
		return "refusing a request a web page on another site sent (Sec-Fetch-Site: cross-site)"
	}
	for _, origin := range r.Header.Values("Origin") {
		if !g.originAllowed(r, origin) {
			return fmt.Sprintf("refusing a request from the web origin %q: only pages of this server "+
				"and of server.allowed_origins in the config may change anything", origin)
		}
	}
	// A push webhook is signed, and its senders post forms too.
	if strings.HasPrefix(r.URL.Path, "/api/") && !strings.HasPrefix(r.URL.Path, "/api/hooks/") {
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			return fmt.Sprintf("refusing an API request with Content-Type %q: send Content-Type: application/json, "+
				"also when there is no body", r.Header.Get("Content-Type"))
		}
	}
	return ""
}

// originAllowed reports whether origin is this server's own (the scheme
// and Host the request was sent to) or one configured.
func (g *guard) originAllowed(r *http.Request, origin string) bool {
	o, err := config.CanonicalOrigin(origin)
	if err != nil {
		return false // "null" among others
	}
	if g.origins[o] {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	self, err := config.CanonicalOrigin(scheme + "://" + r.Host)
	return err == nil && o == self
}

// refuse answers with status and why: an OCI error under /v2/, a JSON
// API error elsewhere.
func refuse(w http.ResponseWriter, r *http.Request, status int, why string) {
	var body any = map[string]string{"error": why}
	if r.URL.Path == "/v2" || strings.HasPrefix(r.URL.Path, "/v2/") {
		body = map[string]any{"errors": []map[string]string{{"code": "DENIED", "message": why}}}
	}
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
