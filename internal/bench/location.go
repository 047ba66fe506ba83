package bench

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/opencontainers/go-digest"
)

// ErrNoLocation is returned when a registry opens an upload without saying
// where the data goes.
var ErrNoLocation = errors.New("no Location header in the response")

// resolveLocation resolves the Location header loc, which the spec allows
// to be absolute or relative, against the URL of the request that returned
// it.
func resolveLocation(base *url.URL, loc string) (*url.URL, error) {
	if loc == "" {
		return nil, ErrNoLocation
	}
	u, err := url.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("parsing Location %q: %w", loc, err)
	}
	return base.ResolveReference(u), nil
}

// withDigest returns a copy of u with the digest query parameter added.
// The query the registry already put in the upload location (a session
// state, a signature) is kept byte for byte.
func withDigest(u *url.URL, d digest.Digest) *url.URL {
	v := *u
	param := "digest=" + url.QueryEscape(d.String())
	if v.RawQuery == "" {
		v.RawQuery = param
	} else {
		v.RawQuery += "&" + param
	}
	v.ForceQuery = false
	return &v
}

// nextLink returns the target of the link with relation "next" in the
// Link header values (RFC 8288), as written, or "" when there is none.
func nextLink(values []string) string {
	for _, v := range values {
		if target := nextLinkIn(v); target != "" {
			return target
		}
	}
	return ""
}

func nextLinkIn(s string) string {
	for {
		s = strings.TrimLeft(s, " \t,")
		if !strings.HasPrefix(s, "<") {
			return ""
		}
		end := strings.IndexByte(s, '>')
		if end < 0 {
			return ""
		}
		target := s[1:end]
		params, rest := cutParams(s[end+1:])
		if relIsNext(params) {
			return target
		}
		s = rest
	}
}

// cutParams splits s at the first comma outside a quoted string: the
// parameters of one link, and the links after it.
func cutParams(s string) (params, rest string) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case '\\':
			if quoted {
				i++
			}
		case ',':
			if !quoted {
				return s[:i], s[i+1:]
			}
		}
	}
	return s, ""
}

func relIsNext(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		key, value, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(key), "rel") {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), `"`)
		for rel := range strings.FieldsSeq(value) {
			if strings.EqualFold(rel, "next") {
				return true
			}
		}
	}
	return false
}
