package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/spec"
)

func newDeployCmd() *cobra.Command {
	var file string
	var images []string
	var detach, force bool
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Roll an app out from its Compose file",
		Long: `Deploy the app a Compose file describes: its name is the file's top-level
name, else its directory's. Every service's image is resolved to a digest,
and the containers run that digest. Services roll out with their strategy:
deploy.update_config (parallelism, delay, order, failure_action, monitor,
max_failure_ratio) for rolling updates, and x-berth for routes, health
checks, blue-green and canary. A service's x-berth.verify job runs once
the new version is healthy, against it through the proxy; a job that
fails fails the rollout, which follows failure_action (berth history and
berth logs APP --verify show its result and output).

The rollout's progress is shown as it happens. The command exits 0 when
the new revision is live, and 1 when it failed, was rolled back or was
aborted. Ctrl-C stops watching; the rollout goes on (see berth status).
Variables the file uses (${VAR}) come from this environment or a .env file
beside it; the files it refers to (env_file, secrets and configs from a
file) are read here and sent with it. berth keeps them with the revision,
encrypted, so that a rollback reads the spec the same way, and never shows
their values.

A deploy that would take a host the app serves off the proxy (a service
removed, its x-berth.route gone or its host changed) is refused unless
--force is given.

With environments in berth.yaml, --env (or BERTH_ENV) says which one the
app is deployed in; the default is the first. berth promote then takes
the digests that run there on to the next.`,
		Example: `  berth deploy -f compose.yaml
  berth deploy -f compose.yaml --image web=127.0.0.1:5000/shop/web:v1.4.2
  berth deploy -f compose.yaml --detach
  berth deploy -f compose.yaml --env integration`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			req, err := deployRequest(file, images)
			if err != nil {
				return err
			}
			req.Force, req.Environment = force, c.env
			var rev api.Revision
			if err := c.send(cmd.Context(), http.MethodPost, "/api/apps/deploy", nil, req, &rev); err != nil {
				return err
			}
			for _, w := range rev.Warnings {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", w)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revision %d of %s\n", rev.Number, envApp(c.env, rev.App))
			if detach {
				fmt.Fprintf(cmd.OutOrStdout(), "rolling out in the background; see berth status %s%s\n", rev.App, envArg(c.env))
				return nil
			}
			return followRollout(cmd, c, rev.App, rev.Number, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "compose.yaml", "the app's Compose file")
	cmd.Flags().StringArrayVar(&images, "image", nil, "use this image for a service: SERVICE=REF (repeatable)")
	cmd.Flags().BoolVar(&detach, "detach", false, "start the rollout and return without following it")
	cmd.Flags().BoolVar(&force, "force", false, "deploy even if a host the app serves would leave the proxy")
	addEnvFlag(cmd)
	addServerFlags(cmd)
	return cmd
}

// deployRequest reads the spec, the variables and the files it refers
// to.
func deployRequest(file string, images []string) (api.DeployRequest, error) {
	in, err := spec.ReadInput(file)
	if err != nil {
		return api.DeployRequest{}, err
	}
	req := api.DeployRequest{
		File: filepath.Base(file), Dir: in.Dir, Spec: string(in.Data), Env: in.Env, Files: in.Files,
		Images: map[string]string{},
	}
	for _, im := range images {
		svc, ref, ok := strings.Cut(im, "=")
		if !ok || svc == "" || ref == "" {
			return api.DeployRequest{}, fmt.Errorf("--image %q: want SERVICE=REF", im)
		}
		req.Images[svc] = ref
	}
	return req, nil
}

// followRollout prints a rollout's events as they happen and fails unless
// it ends live. The rollout is of app in the client's environment.
func followRollout(cmd *cobra.Command, c *apiClient, app string, n int, out io.Writer) error {
	res, err := c.open(cmd.Context(), http.MethodGet, "/api/apps/"+url.PathEscape(app)+"/revisions/"+strconv.Itoa(n)+"/events", nil, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var last *api.Revision
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line api.FollowLine
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			return fmt.Errorf("reading progress: %w", err)
		}
		if line.Event != nil {
			printEvent(out, *line.Event)
		}
		if line.Revision != nil {
			last = line.Revision
		}
	}
	if err := sc.Err(); err != nil && cmd.Context().Err() == nil {
		return fmt.Errorf("reading progress: %w", err)
	}
	if cmd.Context().Err() != nil {
		fmt.Fprintf(out, "stopped watching; the rollout goes on: berth status %s%s\n", app, envArg(c.env))
		return nil
	}
	if last == nil {
		return fmt.Errorf("the server stopped before the rollout ended; see berth status %s%s", app, envArg(c.env))
	}
	if last.Outcome != deploy.OutcomeSucceeded {
		fmt.Fprintf(cmd.ErrOrStderr(), "revision %d %s: %s\n", n, last.Outcome, last.Reason)
		return exitError{code: 1}
	}
	return nil
}

func printEvent(w io.Writer, ev deploy.Event) {
	svc := ev.Service
	if svc == "" {
		svc = "-"
	}
	traffic := ""
	switch {
	case ev.Traffic != nil && ev.Back != 0:
		traffic = fmt.Sprintf("  [back on revision %d: %d%%]", ev.Back, *ev.Traffic)
	case ev.Traffic != nil:
		traffic = fmt.Sprintf("  [new version: %d%%]", *ev.Traffic)
	}
	fmt.Fprintf(w, "%s  %-10s %s%s\n", ev.Time.Local().Format(time.TimeOnly), svc, ev.Message, traffic)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
