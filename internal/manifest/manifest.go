package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"mime"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-dev/berth/internal/reference"
)

// MaxSize is the largest manifest berth accepts, the limit the spec asks
// registries to support at least.
const MaxSize = 4 << 20

var (
	// ErrInvalid reports a manifest that cannot be stored as sent.
	ErrInvalid = errors.New("manifest invalid")
	// ErrUnsupported reports a manifest format berth does not serve.
	ErrUnsupported = errors.New("manifest format unsupported")
)

// Error carries the reason a manifest was refused.
type Error struct {
	Kind   error // ErrInvalid or ErrUnsupported
	Reason string
}

func (e *Error) Error() string { return fmt.Sprintf("%v: %s", e.Kind, e.Reason) }
func (e *Error) Unwrap() error { return e.Kind }

func invalidf(format string, args ...any) error {
	return &Error{ErrInvalid, fmt.Sprintf(format, args...)}
}

// Manifest is what the registry needs to know about a parsed manifest.
type Manifest struct {
	MediaType string
	Kind      Kind
	// Blobs are the config and layers that must exist in the repository
	// (foreign layers that live at external URLs are left out).
	Blobs []v1.Descriptor
	// Manifests are the children of an index.
	Manifests []v1.Descriptor
	// Subject is the manifest this one refers to, if any.
	Subject *v1.Descriptor
	// ArtifactType is the artifactType field, or for an image manifest
	// without one, its config media type: what the referrers API reports.
	ArtifactType string
	Annotations  map[string]string
}

// raw is the union of the manifest shapes berth accepts.
type raw struct {
	SchemaVersion *int              `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *v1.Descriptor    `json:"config"`
	Layers        []v1.Descriptor   `json:"layers"`
	Manifests     []v1.Descriptor   `json:"manifests"`
	Subject       *v1.Descriptor    `json:"subject"`
	Annotations   map[string]string `json:"annotations"`
	FSLayers      json.RawMessage   `json:"fsLayers"` // schema 1 only
}

// Parse validates body as a manifest sent with the given Content-Type.
func Parse(contentType string, body []byte) (*Manifest, error) {
	if len(body) > MaxSize {
		return nil, invalidf("%d bytes is over the %d byte limit", len(body), MaxSize)
	}
	var r raw
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, invalidf("not a JSON manifest: %v", err)
	}
	mt, err := resolveMediaType(normalizeContentType(contentType), &r)
	if err != nil {
		return nil, err
	}
	if r.SchemaVersion == nil || *r.SchemaVersion != 2 {
		return nil, invalidf("schemaVersion must be 2")
	}
	m := &Manifest{MediaType: mt, Kind: kinds[mt], ArtifactType: r.ArtifactType, Annotations: r.Annotations}
	if r.ArtifactType != "" {
		if err := checkMediaType("artifactType", r.ArtifactType); err != nil {
			return nil, err
		}
	}
	if r.Subject != nil {
		if err := checkDescriptor("subject", *r.Subject); err != nil {
			return nil, err
		}
		if !IsManifest(r.Subject.MediaType) {
			return nil, invalidf("subject media type %q is not a manifest type", r.Subject.MediaType)
		}
		m.Subject = r.Subject
	}
	if m.Kind == KindIndex {
		return m, parseIndex(m, &r)
	}
	return m, parseImage(m, &r)
}

// resolveMediaType decides the manifest's media type from the header and
// the body, refusing a disagreement between them.
func resolveMediaType(header string, r *raw) (string, error) {
	if r.FSLayers != nil || header == DockerSchema1 || header == DockerSchema1JWS || r.MediaType == DockerSchema1 || r.MediaType == DockerSchema1JWS {
		return "", &Error{ErrUnsupported, "Docker schema 1 manifests are not supported; push with a current client"}
	}
	if header != "" && r.MediaType != "" && header != r.MediaType {
		return "", invalidf("Content-Type %q disagrees with the manifest's mediaType %q", header, r.MediaType)
	}
	mt := r.MediaType
	if mt == "" {
		mt = header
	}
	if mt == "" {
		// Neither says: OCI manifests may omit mediaType; infer the shape.
		switch {
		case r.Manifests != nil && r.Config == nil:
			mt = OCIIndex
		case r.Config != nil:
			mt = OCIManifest
		default:
			return "", invalidf("no mediaType and no Content-Type")
		}
	}
	if !IsManifest(mt) {
		return "", &Error{ErrUnsupported, fmt.Sprintf("media type %q is not a manifest type berth stores", mt)}
	}
	return mt, nil
}

func parseImage(m *Manifest, r *raw) error {
	if r.Manifests != nil {
		return invalidf("an image manifest must not have \"manifests\"")
	}
	if r.Config == nil {
		return invalidf("image manifest has no config")
	}
	if err := checkDescriptor("config", *r.Config); err != nil {
		return err
	}
	if m.MediaType == DockerManifest && r.ArtifactType != "" {
		return invalidf("Docker manifests cannot carry artifactType")
	}
	m.Blobs = make([]v1.Descriptor, 0, len(r.Layers)+1)
	m.Blobs = append(m.Blobs, *r.Config)
	for i, l := range r.Layers {
		if err := checkDescriptor(fmt.Sprintf("layers[%d]", i), l); err != nil {
			return err
		}
		if len(l.URLs) > 0 && isForeign(l.MediaType) {
			continue // pulled from its URLs, never pushed here
		}
		m.Blobs = append(m.Blobs, l)
	}
	if m.ArtifactType == "" && r.Config.MediaType != OCIConfig && r.Config.MediaType != DockerConfig {
		m.ArtifactType = r.Config.MediaType
	}
	return nil
}

func isForeign(mt string) bool {
	switch mt {
	case DockerForeignLayer, ociForeignLayer, ociForeignLayer + "+gzip", ociForeignLayer + "+zstd":
		return true
	}
	return false
}

func parseIndex(m *Manifest, r *raw) error {
	if r.Config != nil || r.Layers != nil {
		return invalidf("an index must not have \"config\" or \"layers\"")
	}
	if r.Manifests == nil {
		return invalidf("index has no \"manifests\"")
	}
	for i, d := range r.Manifests {
		if err := checkDescriptor(fmt.Sprintf("manifests[%d]", i), d); err != nil {
			return err
		}
	}
	m.Manifests = r.Manifests
	return nil
}

func checkDescriptor(field string, d v1.Descriptor) error {
	if err := checkMediaType(field+".mediaType", d.MediaType); err != nil {
		return err
	}
	if _, err := reference.ParseDigest(string(d.Digest)); err != nil {
		return invalidf("%s.digest: %v", field, err)
	}
	if d.Size < 0 {
		return invalidf("%s.size %d is negative", field, d.Size)
	}
	return nil
}

func checkMediaType(field, mt string) error {
	if mt == "" {
		return invalidf("%s is empty", field)
	}
	if _, _, err := mime.ParseMediaType(mt); err != nil {
		return invalidf("%s %q is not a media type", field, mt)
	}
	return nil
}
