package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	cerrdefs "github.com/containerd/errdefs"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// localImage reads the daemon's image ref: it resolves ref to an image
// ID first, so that a tag moved meanwhile does not change what is read.
func localImage(ctx context.Context, docker DockerAPI, ref string, log *slog.Logger) (v1.Image, func(), error) {
	inspect, err := docker.ImageInspect(ctx, ref)
	if cerrdefs.IsNotFound(err) {
		return nil, func() {}, fmt.Errorf("inspecting image %s: %w: %w", ref, ErrNotFound, err)
	}
	if err != nil {
		return nil, func() {}, fmt.Errorf("inspecting image %s: %w", ref, err)
	}
	return savedImage(ctx, docker, inspect.ID, log)
}

// savedImage saves the daemon's image id (docker save) to a temporary
// file and reads it from there. One save streams the whole image once;
// the layers are then read from the file (seeking past what is not
// wanted), so memory stays small whatever the size of the image, at the
// cost of its uncompressed size on disk ($TMPDIR) until cleanup. The
// layers are gzipped while they are pushed, as docker push does.
func savedImage(ctx context.Context, docker DockerAPI, id string, log *slog.Logger) (v1.Image, func(), error) {
	path, err := saveToFile(ctx, docker, id)
	if err != nil {
		return nil, func() {}, fmt.Errorf("saving image %s: %w", id, err)
	}
	cleanup := func() {
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			log.Warn("removing the saved image", "path", path, "err", err)
		}
	}
	img, err := tarball.Image(func() (io.ReadCloser, error) { return os.Open(path) }, nil)
	if err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("reading the saved image %s: %w", id, err)
	}
	return img, cleanup, nil
}

// saveToFile streams docker save of id into a new temporary file and
// returns its path.
func saveToFile(ctx context.Context, docker DockerAPI, id string) (path string, err error) {
	rc, err := docker.ImageSave(ctx, []string{id})
	if err != nil {
		return "", err
	}
	defer rc.Close()
	f, err := os.CreateTemp("", "berth-publish-*.tar")
	if err != nil {
		return "", err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := io.Copy(f, rc); err != nil {
		return "", fmt.Errorf("reading the daemon's archive: %w", err)
	}
	return f.Name(), nil
}
