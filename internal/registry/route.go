package registry

import "strings"

// endpoint is one of the spec's API endpoints.
type endpoint int

const (
	endBase      endpoint = iota + 1 // /v2/
	endCatalog                       // /v2/_catalog
	endTags                          // /v2/<name>/tags/list
	endManifest                      // /v2/<name>/manifests/<reference>
	endBlob                          // /v2/<name>/blobs/<digest>
	endUploads                       // /v2/<name>/blobs/uploads/
	endUpload                        // /v2/<name>/blobs/uploads/<id>
	endReferrers                     // /v2/<name>/referrers/<digest>
)

// EndpointName names the endpoint a /v2 path reaches, for metrics:
// base, catalog, tags, manifest, blob, uploads, upload, referrers, or
// unknown.
func EndpointName(path string) string {
	rt, ok := parseRoute(path)
	if !ok {
		return "unknown"
	}
	return endpointNames[rt.end]
}

var endpointNames = map[endpoint]string{
	endBase: "base", endCatalog: "catalog", endTags: "tags", endManifest: "manifest",
	endBlob: "blob", endUploads: "uploads", endUpload: "upload", endReferrers: "referrers",
}

// route is a parsed request path.
type route struct {
	end  endpoint
	name string // repository name, unvalidated
	arg  string // reference, digest or upload id, unvalidated
}

// parseRoute splits a /v2/ path. Repository names contain slashes, so the
// endpoint is recognised from the end of the path.
func parseRoute(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, "/v2")
	switch {
	case !ok:
		return route{}, false
	case rest == "" || rest == "/":
		return route{end: endBase}, true
	case rest == "/_catalog":
		return route{end: endCatalog}, true
	case rest[0] != '/':
		return route{}, false
	}
	segs := strings.Split(rest[1:], "/")
	n := len(segs)
	if n < 3 {
		return route{}, false
	}
	name := func(k int) string { return strings.Join(segs[:n-k], "/") }
	last, prev := segs[n-1], segs[n-2]
	switch {
	case prev == "tags" && last == "list":
		return route{end: endTags, name: name(2)}, true
	case prev == "manifests":
		return route{end: endManifest, name: name(2), arg: last}, true
	case prev == "referrers":
		return route{end: endReferrers, name: name(2), arg: last}, true
	case prev == "blobs" && last == "uploads":
		return route{end: endUploads, name: name(2)}, true
	case n >= 4 && segs[n-3] == "blobs" && prev == "uploads":
		if last == "" {
			return route{end: endUploads, name: name(3)}, true
		}
		return route{end: endUpload, name: name(3), arg: last}, true
	case prev == "blobs":
		return route{end: endBlob, name: name(2), arg: last}, true
	}
	return route{}, false
}
