// Package publish is the image half of `berth publish`: it turns a
// build, a local Docker image or an OCI image layout into an image in a
// registry, stamped with its provenance.
//
// Image gets the image. A build goes through the Docker Engine API's
// classic builder (BuildKit would need a session the API alone does not
// give); the context is tarred honouring .dockerignore, and a
// Dockerfile outside it is sent along as docker's CLI does. The result
// is tagged with a temporary name that the cleanup removes, unless
// Source.Tag keeps it. A local image is read by ID; daemon images are
// saved once to a temporary file and read from there, so memory stays
// flat whatever the image's size. A layout entry is picked by its
// ref.name annotation (and a platform, for an index).
//
// Annotate puts provenance labels (org.opencontainers.image.revision,
// .version, .source, .created ...) into the image config and, as
// annotations, onto the manifest. Layers are never recompressed; an
// image with Docker media types gets the equivalent OCI ones, since a
// Docker manifest has no annotations.
//
// Push writes the image to REPO:TAG with go-containerregistry, with
// retries on transient failures (429, 5xx, connection resets) and none
// on a refusal (401, 403, 400, an immutable tag), whose message is the
// registry's. A Reporter (NewReporter picks the terminal or the plain
// one) hears the bytes sent per layer and the layers the registry
// already had, which are skipped. Pushing an image the tag already
// points at uploads nothing.
package publish
