package docker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/image"

	"github.com/berth-dev/berth/internal/driver"
)

// Pull makes image available on the host under policy: PullAlways pulls,
// PullMissing (also the empty policy) pulls only when the host lacks the
// image, and PullNever fails with driver.ErrImage when it does. A pull
// the registry refuses (an unknown repository, tag or digest, denied
// access) fails with driver.ErrImage and the registry's message.
func (d *Driver) Pull(ctx context.Context, ref string, policy driver.PullPolicy) error {
	if ref == "" {
		return fmt.Errorf("pulling image: %w: %w", driver.ErrImage, errNoImage)
	}
	switch policy {
	case driver.PullAlways:
	case driver.PullMissing, driver.PullNever, "":
		present, err := d.hasImage(ctx, ref)
		if err != nil {
			return fmt.Errorf("inspecting image %s: %w", ref, err)
		}
		if present {
			return nil
		}
		if policy == driver.PullNever {
			return fmt.Errorf("%w: %s is not on the host and the pull policy is never", driver.ErrImage, ref)
		}
	default:
		return fmt.Errorf("pulling image %s: unknown pull policy %q", ref, policy)
	}
	start := time.Now()
	if err := d.pull(ctx, ref); err != nil {
		return fmt.Errorf("pulling image %s: %w", ref, pullError(ctx, err))
	}
	d.log.Debug("image pulled", "image", ref, "duration", time.Since(start).Round(time.Millisecond))
	return nil
}

// hasImage reports whether the host has ref.
func (d *Driver) hasImage(ctx context.Context, ref string) (bool, error) {
	_, err := d.client.ImageInspect(ctx, ref)
	switch {
	case err == nil:
		return true, nil
	case cerrdefs.IsNotFound(err):
		return false, nil
	default:
		return false, err
	}
}

// pull asks the daemon to pull ref and reads its progress stream to the
// end: the pull is done only then, and a failure midway is reported in
// the stream, not by the status code.
func (d *Driver) pull(ctx context.Context, ref string) error {
	var opts image.PullOptions
	if d.auth != nil {
		enc, err := d.auth(ctx, ref)
		if err != nil {
			return fmt.Errorf("getting credentials: %w", err)
		}
		opts.RegistryAuth = enc
	}
	rc, err := d.client.ImagePull(ctx, ref, opts)
	if err != nil {
		return err
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	for {
		var msg struct {
			Error       string `json:"error"`
			ErrorDetail *struct {
				Message string `json:"message"`
			} `json:"errorDetail"`
		}
		if err := dec.Decode(&msg); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading the pull's progress: %w", err)
		}
		switch {
		case msg.ErrorDetail != nil && msg.ErrorDetail.Message != "":
			return errors.New(msg.ErrorDetail.Message)
		case msg.Error != "":
			return errors.New(msg.Error)
		}
	}
}
