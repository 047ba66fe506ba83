package gitsource

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"unicode"

	"github.com/go-git/go-git/v5/plumbing/transport"
)

// remote is a source's URL, checked: what go-git is given and what it
// dials.
type remote struct {
	// url is the URL as given, which go-git parses again.
	url string
	// protocol is "file", "http", "https" or "ssh".
	protocol string
	// host and port are what is dialled ("" and 0 for file); an IPv6
	// host is in brackets.
	host string
	port int
	// user is the user named in the URL, if any.
	user string
}

// parseURL checks a source's URL: file:// or an absolute local path,
// https://, http:// to a loopback host, ssh:// or scp-style
// [user@]host:path. A URL holding a password, a query or a fragment is
// refused, so what is accepted is safe to print. Errors never quote the
// URL: it might hold a secret.
func parseURL(raw string) (remote, error) {
	if raw == "" {
		return remote{}, errors.New("no URL")
	}
	if strings.ContainsFunc(raw, unicode.IsControl) {
		return remote{}, errors.New("the URL holds control characters")
	}
	// As go-git reads it: a URL has a scheme when "://" follows a first
	// run of characters other than ':'.
	i := strings.Index(raw, "://")
	hasScheme := i > 0 && !strings.Contains(raw[:i], ":")
	if hasScheme && strings.ContainsAny(raw, "?#") {
		return remote{}, errors.New("the URL holds a query or a fragment, which git URLs do not have")
	}
	ep, err := transport.NewEndpoint(raw)
	if err != nil {
		return remote{}, errors.New("the URL is not valid")
	}
	if ep.Password != "" || strings.Contains(ep.User, ":") {
		return remote{}, errors.New("the URL holds a password: give it in the source's credentials instead")
	}
	r := remote{url: raw, protocol: ep.Protocol, host: ep.Host, port: ep.Port, user: ep.User}
	switch ep.Protocol {
	case "file":
		if !hasScheme && !strings.HasPrefix(raw, "/") {
			return remote{}, errors.New("a local path must be absolute")
		}
		if ep.Host != "" && ep.Host != "localhost" || ep.User != "" || ep.Port != 0 {
			return remote{}, errors.New("a file URL names no host")
		}
		if !strings.HasPrefix(ep.Path, "/") {
			return remote{}, errors.New("a file URL's path must be absolute")
		}
		r.host, r.port, r.user = "", 0, ""
		return r, nil
	case "https", "ssh":
	case "http":
		if !isLoopback(ep.Host) {
			return remote{}, errors.New("http:// is only for loopback hosts: use https://")
		}
	default:
		return remote{}, fmt.Errorf("git over %q is not supported: use https://, ssh:// or file://", scheme(ep.Protocol))
	}
	if !validHost(ep.Host) {
		return remote{}, errors.New("the URL names no valid host")
	}
	if strings.Trim(ep.Path, "/") == "" {
		return remote{}, errors.New("the URL names no repository")
	}
	return r, nil
}

// isLoopback reports whether host (an IPv6 address in brackets) is
// localhost or a loopback address.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHost reports whether host is a name or an address that cannot be
// taken for something else: not empty, no leading dash (an option to an
// ssh command), no user or path separators, no spaces.
func validHost(host string) bool {
	if host == "" || host == "[]" || strings.HasPrefix(host, "-") {
		return false
	}
	return !strings.ContainsFunc(host, func(c rune) bool {
		return c == '@' || c == '/' || c == '\\' || unicode.IsSpace(c)
	})
}

// scheme returns s when it looks like a URL scheme, so that it is safe to
// print, and "?" otherwise.
func scheme(s string) string {
	if s == "" || len(s) > 32 {
		return "?"
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return "?"
		}
	}
	return s
}
