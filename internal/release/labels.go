package release

import "time"

// Labels are the OCI annotation keys Labels sets.
const (
	LabelRevision = "org.opencontainers.image.revision"
	LabelVersion  = "org.opencontainers.image.version"
	LabelSource   = "org.opencontainers.image.source"
	LabelCreated  = "org.opencontainers.image.created"
)

// Labels returns r's provenance as OCI image labels: the commit, the
// version, the source URL and the commit time (RFC 3339, UTC). Empty
// values are left out. The map is the caller's to extend.
func Labels(r Result) map[string]string {
	m := map[string]string{}
	for k, v := range map[string]string{LabelRevision: r.Commit, LabelVersion: r.Version, LabelSource: r.Source} {
		if v != "" {
			m[k] = v
		}
	}
	if !r.Created.IsZero() {
		m[LabelCreated] = r.Created.UTC().Format(time.RFC3339)
	}
	return m
}
