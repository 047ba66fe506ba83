package release

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/go-git/go-git/v5"
)

// originURL is the origin remote's first URL made fit for a label, or ""
// when there is no origin.
func originURL(repo *git.Repository) (string, error) {
	remote, err := repo.Remote("origin")
	if errors.Is(err, git.ErrRemoteNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("reading the origin remote: %w", err)
	}
	if urls := remote.Config().URLs; len(urls) > 0 {
		return sourceURL(urls[0]), nil
	}
	return "", nil
}

// sourceURL turns a remote URL into one a browser can open, without
// credentials: an ssh or scp-like (git@host:org/repo.git) URL becomes
// https://host/org/repo; any other network URL loses its user
// information, query and fragment. A trailing ".git" is dropped. A local
// path, a file URL or anything unparsable gives "": nobody else could
// fetch from it, and what cannot be parsed cannot be cleaned of tokens.
func sourceURL(raw string) string {
	if !strings.Contains(raw, "://") {
		return scpURL(raw)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	switch strings.ToLower(u.Scheme) {
	case "ssh", "git+ssh", "ssh+git":
		u.Scheme, u.Host = "https", u.Hostname()
		if strings.Contains(u.Host, ":") { // IPv6
			u.Host = "[" + u.Host + "]"
		}
	case "https", "http", "git":
	default:
		return ""
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), ".git")
	u.RawPath = ""
	out := u.String()
	// What goes into a label must read back as a URL with a host and
	// nothing else in its authority.
	if back, err := url.Parse(out); err != nil || back.User != nil || back.Hostname() == "" {
		return ""
	}
	return out
}

// scpURL converts git's scp-like syntax, [user@]host:path, to an https
// URL; "" when raw is not of that form (a local path).
func scpURL(raw string) string {
	head := raw
	if slash := strings.IndexByte(raw, '/'); slash >= 0 {
		head = raw[:slash]
	}
	rest := raw
	if at := strings.LastIndexByte(head, '@'); at >= 0 {
		rest = raw[at+1:]
	}
	host, path, ok := strings.Cut(rest, ":")
	if !ok || host == "" || strings.ContainsAny(host, "/@[]") {
		return ""
	}
	return sourceURL("ssh://" + host + "/" + strings.TrimPrefix(path, "/"))
}
