// Package manifest parses the manifests a registry accepts (OCI image
// manifests and indexes, Docker schema 2 manifests and manifest lists, and
// OCI artifacts) and extracts what the registry must know about each: its
// media type, the blobs and child manifests it references, its subject and
// its artifact type. Parsing is strict; anything a client could not pull
// back is refused with a reason.
package manifest
