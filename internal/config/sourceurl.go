package config

import (
	"fmt"
	"net/url"
	"strings"
)

// Kinds of repository URL.
const (
	urlLocal = "local"
	urlHTTP  = "http"
	urlSSH   = "ssh"
)

// classifySourceURL tells the kind of a repository URL, and refuses one
// berth cannot or should not fetch.
func classifySourceURL(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", fmt.Errorf("want the repository's URL")
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return "", fmt.Errorf("%q: a URL has no spaces or line breaks", raw)
	}
	if !strings.Contains(raw, "://") {
		return classifyScpOrPath(raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("%q: %w", raw, err)
	}
	switch u.Scheme {
	case "file":
		if u.Host != "" && u.Host != "localhost" || u.Path == "" {
			return "", fmt.Errorf("%q: want file:///path/to/repo", raw)
		}
		return urlLocal, nil
	case "https", "http":
		if u.Host == "" {
			return "", fmt.Errorf("%q: the URL names no host", raw)
		}
		if u.User != nil {
			u.User = nil // a token may be written as the user
			return "", fmt.Errorf("%s: credentials in the URL are refused: write the password to a file or an environment variable and name that in auth (username, password_file or password_env)", u.Redacted())
		}
		if u.Scheme == "http" && !IsLoopback(u.Hostname()) {
			return "", fmt.Errorf("%q: http:// sends the repository and its credentials in clear text: use https://, or http:// only to this host (127.0.0.1, ::1, localhost)", raw)
		}
		return urlHTTP, nil
	case "ssh":
		if u.Host == "" {
			return "", fmt.Errorf("%q: the URL names no host", raw)
		}
		if _, ok := u.User.Password(); ok {
			return "", fmt.Errorf("%s: a password in the URL is refused: use auth.ssh_key_file", u.Redacted())
		}
		return urlSSH, nil
	default:
		return "", fmt.Errorf("%q: want file://, a path, https://, http:// to loopback, ssh:// or user@host:path", raw)
	}
}

// classifyScpOrPath tells git's scp-like form, [user@]host:path (a colon
// before any slash), from a path on this host.
func classifyScpOrPath(raw string) (string, error) {
	head, _, _ := strings.Cut(raw, "/")
	colon := strings.IndexByte(head, ':')
	if colon < 0 {
		return urlLocal, nil
	}
	if at := strings.LastIndexByte(head, '@'); at >= 0 && strings.Contains(head[:at], ":") {
		return "", fmt.Errorf("a password in the URL is refused: use auth.ssh_key_file")
	}
	host := head[:colon]
	if at := strings.LastIndexByte(host, '@'); at >= 0 {
		host = host[at+1:]
	}
	if host == "" || colon == len(raw)-1 {
		return "", fmt.Errorf("%q: want user@host:path", raw)
	}
	return urlSSH, nil
}

// checkBranch applies git's rules for a branch name
// (git check-ref-format --branch).
func checkBranch(b string) error {
	switch {
	case b == "":
		return fmt.Errorf("want a branch name, such as main")
	case strings.HasPrefix(b, "refs/"):
		return fmt.Errorf("%q: write the branch name alone, such as %s", b, strings.TrimPrefix(strings.TrimPrefix(b, "refs/"), "heads/"))
	case strings.HasPrefix(b, "-"), b == "@", strings.HasPrefix(b, "/"), strings.HasSuffix(b, "/"), strings.HasSuffix(b, "."),
		strings.Contains(b, ".."), strings.Contains(b, "//"), strings.Contains(b, "@{"),
		strings.ContainsFunc(b, func(r rune) bool { return r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r) }):
		return fmt.Errorf("%q is not a valid git branch name", b)
	}
	for part := range strings.SplitSeq(b, "/") {
		if strings.HasPrefix(part, ".") || strings.HasSuffix(part, ".lock") {
			return fmt.Errorf("%q is not a valid git branch name", b)
		}
	}
	return nil
}
