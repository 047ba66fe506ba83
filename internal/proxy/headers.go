package proxy

import (
	"net"
	"net/http"
	"strings"

	"github.com/berth-dev/berth/internal/clientaddr"
)

// dropUnsafe says whether the client's header k stays behind: one the
// proxy sets itself, and any whose name holds an underscore, as nginx
// drops them by default (underscores_in_headers off). A backend that
// reads headers the CGI way, '-' and '_' alike, would otherwise take a
// client's X_Forwarded_For or X-Real_IP for the proxy's word.
func dropUnsafe(k string) bool {
	return strings.IndexByte(k, '_') >= 0 || forwardedHeader(k)
}

// forwardedHeader says whether header k names, in any case, one the proxy
// sets itself.
func forwardedHeader(k string) bool {
	switch len(k) {
	case len("Forwarded"): // and X-Real-Ip
		return strings.EqualFold(k, "Forwarded") || strings.EqualFold(k, "X-Real-Ip")
	case len("X-Forwarded-For"):
		return strings.EqualFold(k, "X-Forwarded-For")
	case len("X-Forwarded-Host"):
		return strings.EqualFold(k, "X-Forwarded-Host")
	case len("X-Forwarded-Proto"):
		return strings.EqualFold(k, "X-Forwarded-Proto")
	}
	return false
}

// forwardedOf computes the forwarded header values for in as the
// options say: see forwarded, and Options.TrustedProxies.
func (p *Proxy) forwardedOf(in *http.Request) forwardedValues {
	trusted := p.opts.TrustedProxies
	if len(trusted) == 0 || !clientaddr.Trusted(clientaddr.Parse(in.RemoteAddr), trusted) {
		return forwarded(in, p.opts.TrustForwardedHeaders)
	}
	fw := forwarded(in, true)
	if a := clientaddr.Of(in, trusted); a.IsValid() {
		fw.realIP = a.String()
	}
	return fw
}

// forwardedValues are the X-Forwarded-* and X-Real-Ip values a backend
// gets.
type forwardedValues struct {
	for_, host, proto, realIP string
}

// forwarded computes the forwarded header values for in: the client's
// address as X-Forwarded-For and X-Real-Ip, the Host it asked for and its
// scheme. With trust, a chain the client sent is extended and its host
// and scheme kept, and the client address is the one the proxy in front
// gives: its X-Real-Ip, or else the last address it added to the chain.
func forwarded(in *http.Request, trust bool) forwardedValues {
	fw := forwardedValues{host: in.Host, proto: "http"}
	if in.TLS != nil {
		fw.proto = "https"
	}
	if ip, _, err := net.SplitHostPort(in.RemoteAddr); err == nil {
		fw.for_ = ip
		fw.realIP = ip
	}
	if !trust {
		return fw
	}
	prior := in.Header.Values("X-Forwarded-For")
	if len(prior) > 0 && fw.for_ != "" {
		fw.for_ = strings.Join(prior, ", ") + ", " + fw.for_
	}
	if v := in.Header.Get("X-Real-Ip"); v != "" {
		fw.realIP = v
	} else if last := lastListed(prior); last != "" {
		fw.realIP = last
	}
	if v := in.Header.Get("X-Forwarded-Host"); v != "" {
		fw.host = v
	}
	if v := in.Header.Get("X-Forwarded-Proto"); v != "" {
		fw.proto = v
	}
	return fw
}

// lastListed returns the last element of comma-separated values, trimmed,
// or "" when there is none.
func lastListed(values []string) string {
	for i := len(values) - 1; i >= 0; i-- {
		elems := strings.Split(values[i], ",")
		for j := len(elems) - 1; j >= 0; j-- {
			if e := strings.TrimSpace(elems[j]); e != "" {
				return e
			}
		}
	}
	return ""
}
