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
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
)

func newDeployCmd() *cobra.Command {
	var file string
	var images []string
	var detach bool
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Roll an app out from its Compose file",
		Long: `Deploy the app a Compose file describes: its name is the file's top-level
name, else its directory's. Every service's image is resolved to a digest,
and the containers run that digest. Services roll out with their strategy:
deploy.update_config (parallelism, delay, order, failure_action, monitor,
max_failure_ratio) for rolling updates, and x-berth for routes, health
checks, blue-green and canary.

The rollout's progress is shown as it happens. The command exits 0 when
the new revision is live, and 1 when it failed, was rolled back or was
aborted. Ctrl-C stops watching; the rollout goes on (see berth status).
Variables the file uses (${VAR}) come from this environment or a .env file
beside it.`,
		Example: `  berth deploy -f compose.yaml
  berth deploy -f compose.yaml --image web=127.0.0.1:5000/shop/web:v1.4.2
  berth deploy -f compose.yaml --detach`,
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
			var rev deploy.Revision
			if err := c.send(cmd.Context(), http.MethodPost, "/api/apps/deploy", nil, req, &rev); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revision %d of %s\n", rev.Number, rev.App)
			if detach {
				fmt.Fprintf(cmd.OutOrStdout(), "rolling out in the background; see berth status %s\n", rev.App)
				return nil
			}
			return followRollout(cmd, c, rev.App, rev.Number, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "compose.yaml", "the app's Compose file")
	cmd.Flags().StringArrayVar(&images, "image", nil, "use this image for a service: SERVICE=REF (repeatable)")
	cmd.Flags().BoolVar(&detach, "detach", false, "start the rollout and return without following it")
	addServerFlags(cmd)
	return cmd
}

// deployRequest reads the spec and the variables it refers to.
func deployRequest(file string, images []string) (api.DeployRequest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return api.DeployRequest{}, fmt.Errorf("reading the spec: %w", err)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return api.DeployRequest{}, err
	}
	req := api.DeployRequest{File: filepath.Base(file), Dir: filepath.Base(filepath.Dir(abs)), Spec: string(data), Images: map[string]string{}}
	for _, im := range images {
		svc, ref, ok := strings.Cut(im, "=")
		if !ok || svc == "" || ref == "" {
			return api.DeployRequest{}, fmt.Errorf("--image %q: want SERVICE=REF", im)
		}
		req.Images[svc] = ref
	}
	req.Env, err = referencedEnv(data, filepath.Dir(abs))
	return req, err
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)`)

// referencedEnv returns the variables the spec names, from the
// environment, else from a .env file in dir.
func referencedEnv(spec []byte, dir string) (map[string]string, error) {
	dotEnv := map[string]string{}
	if p := filepath.Join(dir, ".env"); fileExists(p) {
		var err error
		if dotEnv, err = dotenv.Read(p); err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
	}
	env := map[string]string{}
	for _, m := range envRef.FindAllSubmatch(spec, -1) {
		name := string(m[1]) + string(m[2])
		if v, ok := os.LookupEnv(name); ok {
			env[name] = v
		} else if v, ok := dotEnv[name]; ok {
			env[name] = v
		}
	}
	return env, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// followRollout prints a rollout's events as they happen and fails unless
// it ends live.
func followRollout(cmd *cobra.Command, c *apiClient, app string, n int, out io.Writer) error {
	res, err := c.open(cmd.Context(), http.MethodGet, "/api/apps/"+url.PathEscape(app)+"/revisions/"+strconv.Itoa(n)+"/events", nil, nil)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var last *deploy.Revision
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
		fmt.Fprintf(out, "stopped watching; the rollout goes on: berth status %s\n", app)
		return nil
	}
	if last == nil {
		return fmt.Errorf("the server stopped before the rollout ended; see berth status %s", app)
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
	if ev.Traffic != nil {
		traffic = fmt.Sprintf("  [new version: %d%%]", *ev.Traffic)
	}
	fmt.Fprintf(w, "%s  %-10s %s%s\n", ev.Time.Local().Format(time.TimeOnly), svc, ev.Message, traffic)
}
