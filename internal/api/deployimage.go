package api

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/reference"
)

// imageDeployer is what deploying a new image into the apps that run
// its repository needs of an engine.
type imageDeployer interface {
	ImageUsers(repo string) (map[string][]string, error)
	Redeploy(ctx context.Context, app string, images map[string]string, actor string) (deploy.Revision, error)
}

// DeployImageRequest is the body of POST /api/apps/deploy-image.
type DeployImageRequest struct {
	// Image is the new build, pinned: repository:tag@sha256:...
	Image string `json:"image"`
	// Environment is where to deploy it; the first when empty.
	Environment string `json:"environment,omitempty"`
}

// DeployImageAnswer lists the rollouts a new image started.
type DeployImageAnswer struct {
	Revisions []Revision `json:"revisions"`
}

// handleDeployImage serves POST /api/apps/deploy-image: every app of the
// environment whose live revision runs an image of the repository rolls
// out again with its own spec and the new image for those services. The
// caller needs deploy on each.
func (a *API) handleDeployImage() {
	a.handle("POST /api/apps/deploy-image", known, func(r *http.Request) (any, error) {
		var req DeployImageRequest
		if err := decodeSmall(r, &req); err != nil {
			return nil, err
		}
		host, path, _, digest := reference.Split(req.Image)
		if path == "" || digest == "" {
			return nil, fmt.Errorf("%w: image %q: want repository:tag@sha256:... (pinned by digest)", errBadRequest, req.Image)
		}
		repo := path
		if host != "" {
			repo = host + "/" + path
		}
		d, err := a.deployer(req.Environment)
		if err != nil {
			return nil, err
		}
		id, ok := d.(imageDeployer)
		if !ok {
			return nil, fmt.Errorf("the deploy engine of %s cannot deploy an image by itself", d.Env())
		}
		users, err := id.ImageUsers(repo)
		if err != nil {
			return nil, err
		}
		if len(users) == 0 {
			return nil, statusError{http.StatusNotFound, fmt.Errorf("no app in %s runs an image of %s: deploy one first (berth deploy -f compose.yaml --env %s), "+
				"or give publish the Compose file (--compose)", d.Env(), repo, d.Env())}
		}
		apps := slices.Sorted(maps.Keys(users))
		for _, app := range apps {
			if err := a.allow(r, a.appScope(d.Env(), app, auth.ActionDeploy)); err != nil {
				return nil, err
			}
		}
		out := DeployImageAnswer{Revisions: []Revision{}}
		for _, app := range apps {
			images := map[string]string{}
			for _, svc := range users[app] {
				images[svc] = req.Image
			}
			rev, err := id.Redeploy(r.Context(), app, images, actorOf(r))
			if err != nil {
				return nil, deployStatus(fmt.Errorf("deploying %s to %s (services %s): %w", req.Image, app, strings.Join(users[app], ", "), err))
			}
			out.Revisions = append(out.Revisions, revisionOf(rev, true))
		}
		return out, nil
	})
}
