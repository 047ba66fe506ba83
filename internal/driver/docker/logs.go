package docker

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/berth-dev/berth/internal/driver"
)

// Logs writes the container's stdout and stderr, interleaved as the
// daemon stored them, to w. With Follow it goes on until the container
// stops or ctx ends; ending a follow through ctx is not an error.
func (d *Driver) Logs(ctx context.Context, id string, opts driver.LogOptions, w io.Writer) error {
	c, err := d.own(ctx, id, "reading logs of")
	if err != nil {
		return err
	}
	o := container.LogsOptions{ShowStdout: true, ShowStderr: true, Follow: opts.Follow}
	if opts.Tail > 0 {
		o.Tail = strconv.Itoa(opts.Tail)
	}
	if !opts.Since.IsZero() {
		o.Since = fmt.Sprintf("%d.%09d", opts.Since.Unix(), opts.Since.Nanosecond())
	}
	rc, err := d.client.ContainerLogs(ctx, id, o)
	if err == nil {
		defer rc.Close()
		if c.Config.Tty {
			// A terminal's output is one stream, as written.
			_, err = io.Copy(w, rc)
		} else {
			_, err = stdcopy.StdCopy(w, w, rc)
		}
	}
	if err != nil && !(opts.Follow && ctx.Err() != nil) {
		return fmt.Errorf("reading logs of container %s: %w", id, notFound(err))
	}
	return nil
}
