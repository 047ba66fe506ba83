package publish

import (
	"context"
	"fmt"
	"io"

	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Source says where the image comes from: a build of Context, the local
// image FromImage, or the OCI image layout FromLayout. Exactly one of
// the three is set.
type Source struct {
	// Context is the build context directory.
	Context string
	// Dockerfile is the Dockerfile's path, relative to the working
	// directory as with docker build --file; it may lie outside Context.
	// Empty means Context/Dockerfile.
	Dockerfile string
	// Target is the build stage to build; empty builds the last one.
	Target string
	// BuildArgs are the build's --build-arg values; a nil value takes
	// the variable from the daemon's environment, as docker does.
	BuildArgs map[string]*string
	// Platform is the build's platform (linux/amd64), or for a layout
	// whose entry is an index, the platform to pick from it.
	Platform string
	// Tag keeps the built image on the host under this name. Empty
	// builds under a temporary name that the cleanup removes.
	Tag string

	// FromImage is an image the daemon has (name or ID).
	FromImage string

	// FromLayout is an OCI image layout directory.
	FromLayout string
	// LayoutRef selects the layout's entry whose
	// org.opencontainers.image.ref.name annotation it is; empty takes
	// the layout's only entry.
	LayoutRef string
}

// DockerAPI is the part of the Docker Engine client Image uses;
// *client.Client has it.
type DockerAPI interface {
	ImageBuild(ctx context.Context, buildContext io.Reader, options build.ImageBuildOptions) (build.ImageBuildResponse, error)
	ImageInspect(ctx context.Context, image string, opts ...client.ImageInspectOption) (image.InspectResponse, error)
	ImageSave(ctx context.Context, images []string, opts ...client.ImageSaveOption) (io.ReadCloser, error)
	ImageRemove(ctx context.Context, image string, options image.RemoveOptions) ([]image.DeleteResponse, error)
}

// Image returns the image src names. docker may be nil for a layout.
// The image reads from files that cleanup removes (and a build's
// temporary tag goes with it), so call cleanup once the image has been
// pushed; it is never nil.
func Image(ctx context.Context, docker DockerAPI, src Source, opts Options) (img v1.Image, cleanup func(), err error) {
	nop := func() {}
	set := 0
	for _, s := range []string{src.Context, src.FromImage, src.FromLayout} {
		if s != "" {
			set++
		}
	}
	if set != 1 {
		return nil, nop, fmt.Errorf("%w: want exactly one of a build context, a local image and an OCI layout", ErrSource)
	}
	if src.FromLayout != "" {
		img, err := layoutImage(src.FromLayout, src.LayoutRef, src.Platform)
		return img, nop, err
	}
	if docker == nil {
		return nil, nop, fmt.Errorf("%w: building or reading a local image needs a Docker client", ErrSource)
	}
	if src.FromImage != "" {
		return localImage(ctx, docker, src.FromImage, opts.log())
	}
	return buildImage(ctx, docker, src, opts)
}
