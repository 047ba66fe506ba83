package reference

import (
	"strings"

	dref "github.com/distribution/reference"
)

// Split splits an image reference "host/repo:tag@digest" into its
// parts, each "" when absent, as distribution/reference parses it: the
// first path component is the host when it has a dot or a port, or is
// localhost, as Docker reads it. A reference outside that grammar comes
// back whole as repo, which ValidateName refuses.
func Split(ref string) (host, repo, tag, dgst string) {
	parsed, err := dref.Parse(ref)
	if err != nil {
		return "", ref, "", ""
	}
	named, ok := parsed.(dref.Named)
	if !ok {
		return "", ref, "", ""
	}
	if t, ok := parsed.(dref.Tagged); ok {
		tag = t.Tag()
	}
	if d, ok := parsed.(dref.Digested); ok {
		dgst = d.Digest().String()
	}
	// Not dref.Domain: it takes any first component that could be a host
	// for one, where Docker wants a sign that it is (and would add
	// docker.io to the others, which berth does not).
	name := named.Name()
	if first, rest, ok := strings.Cut(name, "/"); ok &&
		(strings.ContainsAny(first, ".:") || first == "localhost" || strings.ToLower(first) != first) {
		return first, rest, tag, dgst
	}
	return "", name, tag, dgst
}

// Repository is the repository of an image reference, with its host
// when it names one: the reference without tag and digest.
func Repository(ref string) string {
	host, repo, _, _ := Split(ref)
	if host == "" {
		return repo
	}
	return host + "/" + repo
}
