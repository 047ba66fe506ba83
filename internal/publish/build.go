package publish

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/build"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// tempRepository names the images a build makes for the push alone.
const tempRepository = "berth-publish-tmp"

// buildImage builds src through the daemon's classic builder (BuildKit
// needs a session the Engine API alone does not give) with opts.Labels
// as build labels, and reads the result.
func buildImage(ctx context.Context, docker DockerAPI, src Source, opts Options) (v1.Image, func(), error) {
	log := opts.log()
	bc, err := newBuildContext(src.Context, src.Dockerfile)
	if err != nil {
		return nil, func() {}, err
	}
	defer bc.tar.Close()
	tag := src.Tag
	if tag == "" {
		tag = tempRepository + ":" + randomHex(8)
	}
	start := time.Now()
	resp, err := docker.ImageBuild(ctx, bc.tar, build.ImageBuildOptions{
		Tags:        []string{tag},
		Dockerfile:  bc.dockerfile,
		BuildArgs:   src.BuildArgs,
		Target:      src.Target,
		Labels:      opts.Labels,
		Platform:    src.Platform,
		Version:     build.BuilderV1,
		Remove:      true,
		ForceRemove: true,
	})
	if err != nil {
		return nil, func() {}, fmt.Errorf("building image: %w", refusal(ctx, err))
	}
	id, err := readBuildOutput(resp.Body, opts.buildOutput())
	resp.Body.Close()
	untag := func() {}
	if src.Tag == "" {
		untag = func() { removeTemporary(docker, tag, log) }
	}
	if err != nil {
		untag() // a failed build may still have tagged an image
		return nil, func() {}, fmt.Errorf("building image: %w", err)
	}
	if id == "" { // the builder did not say: ask for what it tagged
		inspect, err := docker.ImageInspect(ctx, tag)
		if err != nil {
			untag()
			return nil, func() {}, fmt.Errorf("inspecting the built image %s: %w", tag, err)
		}
		id = inspect.ID
	}
	log.Debug("image built", "image", id, "tag", tag, "duration", time.Since(start).Round(time.Millisecond))
	img, cleanup, err := savedImage(ctx, docker, id, log)
	if err != nil {
		untag()
		return nil, func() {}, err
	}
	return img, func() { cleanup(); untag() }, nil
}

// refusal marks an error of the build request as ErrBuild when the
// daemon answered it (a Dockerfile it cannot parse, a target it cannot
// find), rather than not answering or the build being cancelled.
func refusal(ctx context.Context, err error) error {
	if ctx.Err() != nil || client.IsErrConnectionFailed(err) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrBuild, err)
}

// removeTemporary removes the temporary tag of a build and with it the
// image and the intermediate images the classic builder left, unless
// another tag still holds them.
func removeTemporary(docker DockerAPI, tag string, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := docker.ImageRemove(ctx, tag, image.RemoveOptions{PruneChildren: true})
	if err != nil && !cerrdefs.IsNotFound(err) {
		log.Warn("removing the temporary image", "image", tag, "err", err)
	}
}
