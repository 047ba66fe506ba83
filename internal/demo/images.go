package demo

import (
	"context"
	"strings"

	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/api/types/image"
	"github.com/docker/docker/client"
)

// removeImages deletes the images the demo's containers ran, which the
// host pulled from the demo's registry and nothing else will use.
func removeImages(ctx context.Context, repo string) (int, error) {
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		return 0, err
	}
	defer c.Close()
	imgs, err := c.ImageList(ctx, image.ListOptions{Filters: filters.NewArgs(filters.Arg("reference", repo))})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, img := range imgs {
		mine := false
		for _, d := range img.RepoDigests {
			mine = mine || strings.HasPrefix(d, repo+"@")
		}
		for _, t := range img.RepoTags {
			mine = mine || strings.HasPrefix(t, repo+":")
		}
		if !mine {
			continue
		}
		if _, err := c.ImageRemove(ctx, img.ID, image.RemoveOptions{Force: true, PruneChildren: true}); err == nil {
			n++
		}
	}
	return n, nil
}
