package manifest

import (
	"mime"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// Docker media types, from the Docker Image Manifest V2 Schema 2.
const (
	DockerManifest     = "application/vnd.docker.distribution.manifest.v2+json"
	DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
	DockerSchema1      = "application/vnd.docker.distribution.manifest.v1+json"
	DockerSchema1JWS   = "application/vnd.docker.distribution.manifest.v1+prettyjws"
	DockerConfig       = "application/vnd.docker.container.image.v1+json"
	DockerForeignLayer = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
)

// ociForeignLayer is the deprecated OCI non-distributable layer type, still
// found in the wild (Windows base images).
const ociForeignLayer = "application/vnd.oci.image.layer.nondistributable.v1.tar"

// OCI media types, re-exported so callers need not import image-spec.
const (
	OCIManifest = v1.MediaTypeImageManifest
	OCIIndex    = v1.MediaTypeImageIndex
	OCIConfig   = v1.MediaTypeImageConfig
)

// Kind says which shape a manifest has.
type Kind int

const (
	KindImage Kind = iota + 1 // config + layers
	KindIndex                 // list of child manifests
)

// kinds maps every accepted manifest media type to its shape.
var kinds = map[string]Kind{
	OCIManifest:        KindImage,
	DockerManifest:     KindImage,
	OCIIndex:           KindIndex,
	DockerManifestList: KindIndex,
}

// IsManifest reports whether mediaType is a manifest type berth stores.
func IsManifest(mediaType string) bool {
	_, ok := kinds[mediaType]
	return ok
}

// normalizeContentType strips parameters such as "; charset=utf-8".
func normalizeContentType(ct string) string {
	if ct == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return ct
	}
	return mt
}
