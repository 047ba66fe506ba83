package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/reference"
	"github.com/berth-dev/berth/internal/spec"
)

// publishFlags are berth publish's options.
type publishFlags struct {
	context, dockerfile, target, platform string
	image, registry, tag, format, bump    string
	allowDirty, allowFloating, insecure   bool
	buildArgs, labels                     []string
	fromImage, fromLayout                 string
	output, progress                      string
	// deploy is --deploy: a Compose file or an environment; compose is
	// the Compose file of --deploy ENV.
	deploy, compose string
}

func newPublishCmd() *cobra.Command {
	var f publishFlags
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Build an image from this commit, tag it from git and push it",
		Long: `Turn the current commit into an immutable, traceable image in a registry.

The tag comes from git: a release tag vX.Y.Z on HEAD gives that version;
otherwise the --format (default build-{sha}, the full commit hash;
placeholders {sha} {shortsha} {branch} {version} {date} {time}). --bump
patch|minor|major instead takes the highest semver tag the registry has
for the repository and increments it. A work tree with uncommitted changes
is refused unless --allow-dirty, and then the tag says -dirty. Floating
tags (latest, stable, ...) are refused unless --allow-floating: they move,
so a deploy could not say which build runs nor a rollback go back to it.

The image is built through the Docker Engine API from --context and
--file (the build output is shown), or taken from a local image
(--from-image) or an OCI layout directory (--from-layout). It gets the
org.opencontainers.image.revision, .version, .source and .created labels
and annotations, and is pushed with credentials from the Docker config
(docker login, credential helpers) or --user with BERTH_PASSWORD (a berth
robot token works), skipping layers the registry has and retrying
transient errors.

stdout gets one line, REPO:TAG@sha256:..., or a JSON object with
--output json; progress goes to stderr.

--deploy then rolls the new digest out and waits for the rollout (exit 1
when it fails). --deploy ENV (such as integration) deploys it into every
app of that environment that runs this repository, each with the spec it
runs there, for the services whose image is this repository; berth.yaml's
promotion rules take it on from there. --deploy compose.yaml deploys that
file's app with the new digest, in the environment --env or BERTH_ENV
names (default the first); --deploy ENV --compose FILE does the same in
ENV.`,
		Example: `  berth publish --image 127.0.0.1:5000/shop/web
  berth publish --image shop/web --registry http://127.0.0.1:5000 --bump minor
  berth publish --image 127.0.0.1:5000/shop/web --build-arg VERSION=1.4.2 --deploy compose.yaml
  berth publish --image 127.0.0.1:5000/shop/web --deploy integration
  berth publish --image 127.0.0.1:5000/shop/web --deploy integration --compose deploy/shop.yaml
  berth publish --image 127.0.0.1:5000/shop/web --from-image shop-web:dev --allow-dirty --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPublish(cmd, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.context, "context", ".", "build context directory (also where git is read)")
	fl.StringVarP(&f.dockerfile, "file", "f", "", "Dockerfile (default: Dockerfile in the context)")
	fl.StringVar(&f.target, "target", "", "build stage to stop at")
	fl.StringVar(&f.platform, "platform", "", "platform to build for, e.g. linux/arm64 (default: the daemon's)")
	fl.StringArrayVar(&f.buildArgs, "build-arg", nil, "build argument KEY=VALUE, or KEY to take it from the environment (repeatable)")
	fl.StringArrayVar(&f.labels, "label", nil, "extra image label KEY=VALUE (repeatable)")
	fl.StringVar(&f.fromImage, "from-image", "", "publish this local Docker image instead of building")
	fl.StringVar(&f.fromLayout, "from-layout", "", "publish the image in this OCI layout directory instead of building")
	fl.StringVar(&f.image, "image", os.Getenv("BERTH_IMAGE"), "repository to push to: [REGISTRY/]NAME (env BERTH_IMAGE)")
	fl.StringVar(&f.registry, "registry", os.Getenv("BERTH_REGISTRY"), "registry URL for an --image without a host (env BERTH_REGISTRY; default 127.0.0.1:5000)")
	fl.StringVar(&f.tag, "tag", "", "use this tag instead of the one git gives")
	fl.StringVar(&f.format, "format", "build-{sha}", "tag of a commit without a release tag")
	fl.StringVar(&f.bump, "bump", "", "patch, minor or major: the registry's highest semver tag, incremented")
	fl.BoolVar(&f.allowDirty, "allow-dirty", false, "publish a work tree with uncommitted changes (the tag says -dirty)")
	fl.BoolVar(&f.allowFloating, "allow-floating", false, "allow a floating tag such as latest")
	fl.BoolVar(&f.insecure, "insecure", false, "talk plain HTTP to a registry that is not on loopback")
	fl.StringVar(&f.output, "output", "text", "text (REPO:TAG@DIGEST) or json")
	fl.StringVar(&f.progress, "progress", "auto", "auto, tty or plain")
	fl.StringVar(&f.deploy, "deploy", "", "then deploy the new digest and wait for the rollout: an environment (into its apps that run this repository), or a Compose file")
	fl.StringVar(&f.compose, "compose", "", "with --deploy ENV: deploy this Compose file's app there instead")
	addEnvFlag(cmd)
	cmd.Flags().Lookup("env").Usage = "with --deploy FILE: the environment to deploy in (default: the first in berth.yaml; env " + envEnvironment + ")"
	addServerFlags(cmd)
	return cmd
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// repository joins --registry and --image into HOST/NAME.
func repository(image, registry string) (string, error) {
	if image == "" {
		return "", fmt.Errorf("name the repository to push to with --image [REGISTRY/]NAME (or BERTH_IMAGE)")
	}
	if strings.ContainsAny(image, "@") || strings.LastIndexByte(image, ':') > strings.LastIndexByte(image, '/') {
		return "", fmt.Errorf("--image %q: give the repository only; the tag comes from git (or --tag)", image)
	}
	first, _, _ := strings.Cut(image, "/")
	if strings.Contains(image, "/") && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return image, nil
	}
	host := "127.0.0.1:5000"
	if registry != "" {
		u, err := url.Parse(registry)
		if err != nil || u.Host == "" {
			if strings.Contains(registry, "://") {
				return "", fmt.Errorf("--registry %q: want a URL like http://127.0.0.1:5000 or a host:port", registry)
			}
			host = strings.TrimSuffix(registry, "/")
		} else {
			host = u.Host
		}
	}
	return host + "/" + image, nil
}

// imagesFor maps every service of a Compose file whose image is repo to
// ref, for --deploy.
func imagesFor(file, repo, ref string) (api.DeployRequest, error) {
	if !fileExists(file) {
		return api.DeployRequest{}, fmt.Errorf("--deploy: no such Compose file %q", file)
	}
	req, err := deployRequest(file, nil)
	if err != nil {
		return req, err
	}
	app, err := spec.Read(spec.Input{Name: req.File, Data: []byte(req.Spec), Dir: req.Dir, Env: req.Env, Files: req.Files})
	if err != nil {
		return req, err
	}
	for _, svc := range app.Services {
		if reference.Repository(svc.Image) == repo {
			req.Images[svc.Name] = ref
		}
	}
	if len(req.Images) == 0 {
		return req, fmt.Errorf("no service of %s has an image of %s, so --deploy has nothing to update", filepath.Base(file), repo)
	}
	return req, nil
}

// deployPublished deploys to.file in to.env with ref for the services of
// repo and follows the rollout on out.
func deployPublished(cmd *cobra.Command, to publishTarget, repo, ref string, out io.Writer) (api.Revision, error) {
	c, err := newAPIClient(cmd)
	if err != nil {
		return api.Revision{}, err
	}
	c = c.inEnv(to.env)
	req, err := imagesFor(to.file, repo, ref)
	if err != nil {
		return api.Revision{}, err
	}
	req.Environment = to.env
	var rev api.Revision
	if err := c.send(cmd.Context(), http.MethodPost, "/api/apps/deploy", nil, req, &rev); err != nil {
		return rev, err
	}
	for _, w := range rev.Warnings {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
	fmt.Fprintf(out, "deploying revision %d of %s\n", rev.Number, envApp(to.env, rev.App))
	return rev, followRollout(cmd, c, rev.App, rev.Number, out)
}

// deployIntoApps rolls the published image out in every app of env that
// runs its repository, each with its own live spec, and follows the
// rollouts one after the other; it fails when one of them failed.
func deployIntoApps(cmd *cobra.Command, env, ref string, out io.Writer) ([]api.Revision, error) {
	c, err := newAPIClient(cmd)
	if err != nil {
		return nil, err
	}
	c = c.inEnv(env)
	var ans api.DeployImageAnswer
	if err := c.send(cmd.Context(), http.MethodPost, "/api/apps/deploy-image", nil, api.DeployImageRequest{Image: ref, Environment: env}, &ans); err != nil {
		return nil, err
	}
	var failed []string
	for _, rev := range ans.Revisions {
		fmt.Fprintf(out, "deploying revision %d of %s\n", rev.Number, envApp(env, rev.App))
		if err := followRollout(cmd, c, rev.App, rev.Number, out); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", rev.App, err))
		}
	}
	if len(failed) > 0 {
		return ans.Revisions, fmt.Errorf("deploying %s: %s", ref, strings.Join(failed, "; "))
	}
	return ans.Revisions, nil
}

func printPublishJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
