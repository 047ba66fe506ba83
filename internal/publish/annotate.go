package publish

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Annotate returns img with labels merged into its config's labels
// (over any of the same key) and into its manifest's annotations. The
// config is rewritten only when a label is missing or different, so a
// build that already got the labels keeps its config byte for byte
// (and the image its Docker ID). An image with Docker media types is
// given the OCI ones, as a Docker manifest has no annotations; the
// layers' bytes stay as they are. No labels returns img itself.
func Annotate(img v1.Image, labels map[string]string) (v1.Image, error) {
	if len(labels) == 0 {
		return img, nil
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the image config: %w", err)
	}
	if !hasLabels(cf.Config.Labels, labels) {
		cfg := cf.Config
		cfg.Labels = maps.Clone(cfg.Labels)
		if cfg.Labels == nil {
			cfg.Labels = make(map[string]string, len(labels))
		}
		maps.Copy(cfg.Labels, labels)
		if img, err = mutate.Config(img, cfg); err != nil {
			return nil, fmt.Errorf("labelling the image config: %w", err)
		}
	}
	m, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("reading the manifest: %w", err)
	}
	m = m.DeepCopy()
	if err := toOCI(m); err != nil {
		return nil, fmt.Errorf("converting the manifest to OCI media types: %w", err)
	}
	if m.Annotations == nil {
		m.Annotations = make(map[string]string, len(labels))
	}
	maps.Copy(m.Annotations, labels)
	raw, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("writing the manifest: %w", err)
	}
	return &manifestImage{Image: img, raw: raw}, nil
}

// hasLabels reports whether have holds every label of want.
func hasLabels(have, want map[string]string) bool {
	for k, v := range want {
		if w, ok := have[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// ociLayerTypes maps Docker layer media types to their OCI equivalents.
var ociLayerTypes = map[types.MediaType]types.MediaType{
	types.DockerLayer:             types.OCILayer,
	types.DockerUncompressedLayer: types.OCIUncompressedLayer,
	types.DockerForeignLayer:      types.OCIRestrictedLayer,
}

// toOCI gives m, an image manifest, OCI media types. The descriptors
// keep their digests: only the names of the types change.
func toOCI(m *v1.Manifest) error {
	switch m.MediaType {
	case types.OCIManifestSchema1:
		return nil
	case types.DockerManifestSchema2:
	default:
		return fmt.Errorf("unsupported manifest media type %s", m.MediaType)
	}
	m.MediaType = types.OCIManifestSchema1
	if m.Config.MediaType != types.DockerConfigJSON {
		return fmt.Errorf("unsupported config media type %s", m.Config.MediaType)
	}
	m.Config.MediaType = types.OCIConfigJSON
	for i, l := range m.Layers {
		oci, ok := ociLayerTypes[l.MediaType]
		if !ok && strings.HasPrefix(string(l.MediaType), "application/vnd.oci.image.layer.") {
			oci, ok = l.MediaType, true
		}
		if !ok {
			return fmt.Errorf("unsupported layer media type %s", l.MediaType)
		}
		m.Layers[i].MediaType = oci
	}
	return nil
}

// manifestImage is an image with a manifest of its own: another's with
// other media types or annotations. The config and the layers are the
// other image's.
type manifestImage struct {
	v1.Image
	raw []byte
}

func (i *manifestImage) RawManifest() ([]byte, error) { return i.raw, nil }
func (i *manifestImage) Size() (int64, error)         { return int64(len(i.raw)), nil }
func (i *manifestImage) Digest() (v1.Hash, error)     { return partial.Digest(i) }

func (i *manifestImage) Manifest() (*v1.Manifest, error) {
	return v1.ParseManifest(bytes.NewReader(i.raw))
}

func (i *manifestImage) MediaType() (types.MediaType, error) {
	m, err := i.Manifest()
	if err != nil {
		return "", err
	}
	return m.MediaType, nil
}
