package server

import (
	"net/http"
	"net/netip"
	"os"
	"sync/atomic"

	"github.com/berth-dev/berth/internal/accesslog"
	"github.com/berth-dev/berth/internal/clientaddr"
	"github.com/berth-dev/berth/internal/config"
)

// trustedProxies are the auth.trusted_proxies in force, which a reload
// replaces: the access log reads the client's address as the login
// throttle does.
type trustedProxies struct {
	list atomic.Pointer[[]netip.Prefix]
}

// set puts cfg's list in force; cfg is valid, so it parses.
func (t *trustedProxies) set(cfg config.Config) {
	list, _ := config.ParseTrustedProxies(cfg.Auth.TrustedProxies)
	t.list.Store(&list)
}

// client returns the address of the client that sent r.
func (t *trustedProxies) client(r *http.Request) netip.Addr {
	var list []netip.Prefix
	if l := t.list.Load(); l != nil {
		list = *l
	}
	return clientaddr.Of(r, list)
}

// openAccessLog opens the registry's access log of cfg.
func openAccessLog(cfg config.Config) (*accesslog.Log, error) {
	return accesslog.Open(cfg.AccessLog.Registry, cfg.Log.Format, os.Stderr)
}

// accessLogged logs the requests h serves in the registry's access log,
// unless it is off.
func (p *parts) accessLogged(h http.Handler) http.Handler {
	if p.access == nil {
		return h
	}
	return accesslog.Handler(h, p.access.Logger, p.trusted.client)
}

// reopenAccessLog reopens the registry's access log file, for log
// rotation; it does nothing when the log is not a file.
func (p *parts) reopenAccessLog() {
	if p.access == nil {
		return
	}
	if err := p.access.Reopen(); err != nil {
		p.log.Error("reopening the access log failed; writing on to the file open before", "path", p.cfg.AccessLog.Registry, "err", err)
	}
}
