package publish

import (
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// layoutImage reads one image of the OCI image layout dir: the entry
// whose ref.name annotation is ref, or the only entry when ref is "".
// An entry that is an index yields its image for platform, or its only
// image when platform is "".
func layoutImage(dir, ref, platform string) (v1.Image, error) {
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("opening the OCI layout %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading the OCI layout %s: %w", dir, err)
	}
	desc, err := pickEntry(im.Manifests, ref)
	if err != nil {
		return nil, fmt.Errorf("reading the OCI layout %s: %w", dir, err)
	}
	if desc.MediaType.IsImage() {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			return nil, fmt.Errorf("reading image %s of the OCI layout %s: %w", desc.Digest, dir, err)
		}
		return img, nil
	}
	if !desc.MediaType.IsIndex() {
		return nil, fmt.Errorf("reading the OCI layout %s: entry %s is a %s, not an image", dir, desc.Digest, desc.MediaType)
	}
	child, err := idx.ImageIndex(desc.Digest)
	if err != nil {
		return nil, fmt.Errorf("reading index %s of the OCI layout %s: %w", desc.Digest, dir, err)
	}
	img, err := platformImage(child, platform)
	if err != nil {
		return nil, fmt.Errorf("reading index %s of the OCI layout %s: %w", desc.Digest, dir, err)
	}
	return img, nil
}

// pickEntry returns the index entry named ref, or the only one.
func pickEntry(entries []v1.Descriptor, ref string) (v1.Descriptor, error) {
	if ref == "" {
		if len(entries) != 1 {
			return v1.Descriptor{}, fmt.Errorf("%w: the layout has %d entries; name one by its %s", ErrNotFound, len(entries), ocispec.AnnotationRefName)
		}
		return entries[0], nil
	}
	var names []string
	for _, d := range entries {
		name := d.Annotations[ocispec.AnnotationRefName]
		if name == ref {
			return d, nil
		}
		if name != "" {
			names = append(names, name)
		}
	}
	return v1.Descriptor{}, fmt.Errorf("%w: no entry named %q (the layout has: %s)", ErrNotFound, ref, strings.Join(names, ", "))
}

// platformImage returns the image of idx for platform, or its only
// image when platform is "".
func platformImage(idx v1.ImageIndex, platform string) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	var want *v1.Platform
	if platform != "" {
		if want, err = v1.ParsePlatform(platform); err != nil {
			return nil, fmt.Errorf("parsing platform %q: %w", platform, err)
		}
	}
	var found []v1.Descriptor
	var have []string
	for _, d := range im.Manifests {
		if !d.MediaType.IsImage() || d.Platform == nil || d.Platform.OS == "unknown" {
			continue // attestations and the like
		}
		have = append(have, d.Platform.String())
		if want == nil || d.Platform.Satisfies(*want) {
			found = append(found, d)
		}
	}
	switch {
	case len(found) == 0:
		return nil, fmt.Errorf("%w: no image for platform %q (the index has: %s)", ErrNotFound, platform, strings.Join(have, ", "))
	case len(found) > 1 && want == nil:
		return nil, fmt.Errorf("%w: the index has images for %s; choose a platform", ErrNotFound, strings.Join(have, ", "))
	}
	return idx.Image(found[0].Digest)
}
