package deploy

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/berth-dev/berth/internal/reference"
)

// ImageUsers returns, by app, the services whose live image is of
// repository repo ("host/path", as reference.Split gives them joined),
// sorted.
func (e *Engine) ImageUsers(repo string) (map[string][]string, error) {
	names, err := e.Names()
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, app := range names {
		live, ok, err := e.LiveRevision(app)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, svc := range slices.Sorted(maps.Keys(live.Services)) {
			if reference.Repository(live.Services[svc].Ref) == repo {
				out[app] = append(out[app], svc)
			}
		}
	}
	return out, nil
}

// Redeploy rolls app out again with its live revision's spec, variables
// and files, and images (service -> reference) in place of the
// services' own: a new build of an image the app runs.
func (e *Engine) Redeploy(ctx context.Context, app string, images map[string]string, actor string) (Revision, error) {
	live, ok, err := e.LiveRevision(app)
	if err != nil {
		return Revision{}, err
	}
	if !ok {
		return Revision{}, fmt.Errorf("%w: %s has no live revision to deploy a new image into", ErrAppUnknown, app)
	}
	return e.Deploy(ctx, Request{File: live.File, Dir: live.Dir, Spec: live.Spec, Env: live.Env, Files: live.Files, Images: images, Actor: actor})
}
