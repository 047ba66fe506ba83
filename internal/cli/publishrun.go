package cli

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/docker/docker/client"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/publish"
	"github.com/berth-dev/berth/internal/release"
)

// publishOutput is what --output json prints.
type publishOutput struct {
	Reference  string            `json:"reference"`
	Repository string            `json:"repository"`
	Tag        string            `json:"tag"`
	Digest     string            `json:"digest"`
	MediaType  string            `json:"mediaType"`
	Size       int64             `json:"size"`
	Version    string            `json:"version"`
	Commit     string            `json:"commit"`
	Branch     string            `json:"branch,omitempty"`
	Source     string            `json:"source,omitempty"`
	Created    time.Time         `json:"created"`
	Dirty      bool              `json:"dirty"`
	TagFrom    string            `json:"tagFrom"`
	Labels     map[string]string `json:"labels"`
	Pushed     int               `json:"layersPushed"`
	Skipped    int               `json:"layersSkipped"`
	Deployed   *api.Revision     `json:"deployed,omitempty"`
	// Deployments are the rollouts of --deploy ENV without --compose:
	// one per app of the environment that runs the repository.
	Deployments []api.Revision `json:"deployments,omitempty"`
}

func runPublish(cmd *cobra.Command, f publishFlags) error {
	ctx := cmd.Context()
	stderr := cmd.ErrOrStderr()
	if f.output != "text" && f.output != "json" {
		return fmt.Errorf("--output %q: want text or json", f.output)
	}
	if f.progress != "auto" && f.progress != "tty" && f.progress != "plain" {
		return fmt.Errorf("--progress %q: want auto, tty or plain", f.progress)
	}
	repo, err := repository(f.image, f.registry)
	if err != nil {
		return err
	}
	target, err := deployTarget(cmd, f)
	if err != nil {
		return err
	}
	auth, err := registryAuth(cmd)
	if err != nil {
		return err
	}
	nameOpts := []name.Option{name.StrictValidation}
	if f.insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	repoRef, err := name.NewRepository(repo, nameOpts...)
	if err != nil {
		return fmt.Errorf("--image %q: %w", repo, err)
	}

	var existing []string
	if f.bump != "" {
		existing, err = existingTags(cmd, repoRef, auth)
		if err != nil {
			return err
		}
	}
	revisionOf := func(tag string) (string, error) {
		return publish.Revision(ctx, repoRef.Tag(tag), publish.Options{Auth: auth, Insecure: f.insecure})
	}
	rel, err := release.Compute(f.context, release.Options{Format: f.format, Bump: f.bump, RevisionOf: revisionOf,
		AllowDirty: f.allowDirty, Env: os.Getenv}, existing)
	if err != nil {
		return err
	}
	if f.tag != "" {
		if err := release.Validate(f.tag); err != nil {
			return fmt.Errorf("--tag: %w", err)
		}
		rel.Tag, rel.Kind = f.tag, "flag"
	}
	if err := release.CheckFloating(rel.Tag, f.allowFloating); err != nil {
		return err
	}
	if err := checkPush(cmd, repoRef, auth); err != nil {
		return err
	}
	labels := release.Labels(rel)
	for _, l := range f.labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return fmt.Errorf("--label %q: want KEY=VALUE", l)
		}
		labels[k] = v
	}
	fmt.Fprintf(stderr, "publishing %s:%s (%s, commit %s)\n", repo, rel.Tag, tagReason(rel), rel.ShortCommit)

	opts := publish.Options{
		Labels: labels, Auth: auth, Insecure: f.insecure, BuildOutput: stderr,
		Log:      slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		Progress: progressFor(f.progress, stderr),
	}
	src, err := publishSource(f)
	if err != nil {
		return err
	}
	if src.Context != "" {
		// Kept under its name, as docker build -t does: the build cache
		// then makes a retried publish of the same commit the same image,
		// which an immutable release tag accepts.
		src.Tag = repoRef.Tag(rel.Tag).String()
	}
	var docker publish.DockerAPI
	if src.FromLayout == "" {
		c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return fmt.Errorf("configuring the docker client: %w", err)
		}
		defer c.Close()
		docker = c
	}
	img, cleanup, err := publish.Image(ctx, docker, src, opts)
	defer cleanup()
	if err != nil {
		return err
	}
	res, err := publish.Push(ctx, img, repoRef.Tag(rel.Tag).String(), opts)
	if err != nil {
		return err
	}
	out := publishOutput{
		Reference: res.Ref(), Repository: repo, Tag: rel.Tag, Digest: res.Digest.String(), MediaType: string(res.MediaType),
		Size: res.Size, Version: rel.Version, Commit: rel.Commit, Branch: rel.Branch, Source: rel.Source,
		Created: rel.Created, Dirty: rel.Dirty, TagFrom: rel.Kind, Labels: labels, Pushed: res.LayersPushed, Skipped: res.LayersSkipped,
	}
	if target.live {
		revs, err := deployIntoApps(cmd, target.env, res.Ref(), stderr)
		out.Deployments = revs
		if err != nil {
			printPublished(cmd.OutOrStdout(), f.output, out)
			return err
		}
	}
	if target.file != "" {
		rev, err := deployPublished(cmd, target, repo, res.Ref(), stderr)
		if rev.Number > 0 {
			out.Deployed = &rev
		}
		if err != nil {
			printPublished(cmd.OutOrStdout(), f.output, out)
			return err
		}
	}
	return printPublished(cmd.OutOrStdout(), f.output, out)
}

func printPublished(w io.Writer, format string, out publishOutput) error {
	if format == "json" {
		return printPublishJSON(w, out)
	}
	_, err := fmt.Fprintln(w, out.Reference)
	return err
}

func tagReason(r release.Result) string {
	switch r.Kind {
	case release.KindRelease:
		return "release tag on HEAD"
	case release.KindBump:
		return "bumped from the registry's highest version"
	case release.KindReused:
		return "the version this commit was published as before, not bumped again"
	case "flag":
		return "given with --tag"
	}
	return "no release tag on HEAD"
}

// publishSource reads the flags that say where the image comes from.
func publishSource(f publishFlags) (publish.Source, error) {
	switch {
	case f.fromImage != "" && f.fromLayout != "":
		return publish.Source{}, fmt.Errorf("give --from-image or --from-layout, not both")
	case f.fromImage != "":
		return publish.Source{FromImage: f.fromImage, Platform: f.platform}, nil
	case f.fromLayout != "":
		return publish.Source{FromLayout: f.fromLayout, Platform: f.platform}, nil
	}
	args := map[string]*string{}
	for _, a := range f.buildArgs {
		k, v, ok := strings.Cut(a, "=")
		if k == "" {
			return publish.Source{}, fmt.Errorf("--build-arg %q: want KEY=VALUE or KEY", a)
		}
		if !ok {
			env, set := os.LookupEnv(k)
			if !set {
				continue // as docker build does: an unset variable is no argument
			}
			v = env
		}
		args[k] = &v
	}
	dockerfile := f.dockerfile
	if dockerfile == "" {
		dockerfile = filepath.Join(f.context, "Dockerfile")
	}
	return publish.Source{Context: f.context, Dockerfile: dockerfile, Target: f.target, Platform: f.platform, BuildArgs: args}, nil
}

// registryAuth is --user with BERTH_PASSWORD (a robot token is the
// password), else nil for the Docker configuration.
func registryAuth(cmd *cobra.Command) (authn.Authenticator, error) {
	user, _ := cmd.Flags().GetString("user")
	if user == "" {
		return nil, nil
	}
	pw := os.Getenv(envPassword)
	if pw == "" {
		return nil, fmt.Errorf("--user %s needs the password or robot token in %s", user, envPassword)
	}
	return &authn.Basic{Username: user, Password: pw}, nil
}

// checkPush fails before anything is built when the registry does not
// let these credentials push to repo, saying how to grant it.
func checkPush(cmd *cobra.Command, repo name.Repository, auth authn.Authenticator) error {
	err := publish.CheckPush(cmd.Context(), repo, publish.Options{Auth: auth})
	if !errors.Is(err, publish.ErrNoPush) {
		return err
	}
	path := repo.RepositoryStr()
	if user, _ := cmd.Flags().GetString("user"); user != "" {
		return fmt.Errorf("%s may not push to %s: grant it with berth robot grant %s --access '%s=pull,push' (berth user grant, for a person)",
			user, path, user, path)
	}
	return fmt.Errorf("the Docker credentials for %s may not push to %s: log in as an account that may (docker login %s), or publish with --user and %s",
		repo.RegistryStr(), path, repo.RegistryStr(), envPassword)
}

// existingTags lists the repository's tags for --bump; a repository the
// registry does not have yet has none.
func existingTags(cmd *cobra.Command, repo name.Repository, auth authn.Authenticator) ([]string, error) {
	opts := []remote.Option{remote.WithContext(cmd.Context())}
	if auth != nil {
		opts = append(opts, remote.WithAuth(auth))
	} else {
		opts = append(opts, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	tags, err := remote.List(repo, opts...)
	if err != nil {
		if strings.Contains(err.Error(), "NAME_UNKNOWN") {
			return nil, nil
		}
		return nil, fmt.Errorf("listing the tags of %s for --bump: %w", repo, err)
	}
	return tags, nil
}

// progressFor picks the push progress display.
func progressFor(mode string, w io.Writer) publish.Reporter {
	if mode == "tty" || (mode == "auto" && isTerminal(w)) {
		return publish.NewTerminalReporter(w)
	}
	return publish.NewPlainReporter(w)
}
