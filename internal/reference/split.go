package reference

import "strings"

// Split splits an image reference "host/repo:tag@digest" into its
// parts, each "" when absent. The first path component is the host
// when it has a dot or a port, or is localhost, as Docker reads it.
func Split(ref string) (host, repo, tag, dgst string) {
	rest := ref
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest, dgst = rest[:at], rest[at+1:]
	}
	if colon := strings.LastIndexByte(rest, ':'); colon > strings.LastIndexByte(rest, '/') {
		rest, tag = rest[:colon], rest[colon+1:]
	}
	if first, after, ok := strings.Cut(rest, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		host, rest = first, after
	}
	return host, rest, tag, dgst
}
