package cli

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/pipeline"
)

// envEnvironment is the environment variable that gives --env its
// default.
const envEnvironment = "BERTH_ENV"

// addEnvFlag adds --env to a command that acts on an app: the API
// client built from the command's flags sends it with every call on
// the app.
func addEnvFlag(cmd *cobra.Command) {
	cmd.Flags().String("env", os.Getenv(envEnvironment),
		"environment of the app (default: the first in berth.yaml; env "+envEnvironment+")")
}

// inEnv returns a copy of c that acts on the apps of env.
func (c *apiClient) inEnv(env string) *apiClient {
	cp := *c
	cp.env = env
	return &cp
}

// envArg is the --env argument that names env in a command line shown
// to the user: none for the default environment, which users of one
// environment never see named.
func envArg(env string) string {
	if env == "" {
		return ""
	}
	return " --env " + env
}

// envApp names app in env as the user asked for it: env/app, or the app
// alone for the default environment.
func envApp(env, app string) string {
	if env == "" {
		return app
	}
	return env + "/" + app
}

// withEnv adds the client's environment to the query of a call on one
// app (/api/apps/{app}...), unless the call names one itself.
func (c *apiClient) withEnv(method, path string, query url.Values) url.Values {
	if c.env == "" || appOfPath(method, path) == "" || query.Has("env") {
		return query
	}
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("env", c.env)
	return q
}

// appOfPath is the app an API path acts on, "" for a path that acts on
// no single app (the list of apps, a deploy).
func appOfPath(method, path string) string {
	rest, ok := strings.CutPrefix(path, "/api/apps/")
	if !ok || rest == "" || (method == http.MethodPost && rest == "deploy") {
		return ""
	}
	seg, _, _ := strings.Cut(rest, "/")
	app, err := url.PathUnescape(seg)
	if err != nil {
		return ""
	}
	return app
}

// whereRuns completes the answer that app is unknown in env (the first
// environment for ""): the environments it runs in, and how to name
// one. It says nothing when the app runs in none the caller may read,
// or runs in env after all (the answer was about something else), or
// when what it needs cannot be had.
func (c *apiClient) whereRuns(ctx context.Context, app, env string) string {
	var apps []deploy.AppStatus
	if err := c.do(ctx, http.MethodGet, "/api/apps", nil, &apps); err != nil {
		return ""
	}
	envs := envsOf(apps, app)
	if len(envs) == 0 || slices.Contains(envs, env) {
		return ""
	}
	asked := env
	if env == "" {
		// The pipeline lists the app's environments in order: the first
		// is the one asked.
		var views []pipeline.AppView
		if err := c.do(ctx, http.MethodGet, "/api/pipeline", url.Values{"app": {app}}, &views); err != nil ||
			len(views) == 0 || len(views[0].Envs) == 0 || slices.Contains(envs, views[0].Envs[0].Env) {
			return ""
		}
		asked = views[0].Envs[0].Env + ", the first environment,"
	}
	how := "choose one with --env"
	if len(envs) == 1 {
		how = "add --env " + envs[0]
	}
	return fmt.Sprintf("; %s is not in %s but in %s: %s", app, asked, strings.Join(envs, ", "), how)
}

// envsOf lists the environments app runs in, in the order of apps.
func envsOf(apps []deploy.AppStatus, app string) []string {
	var envs []string
	for _, a := range apps {
		if a.Name == app && !slices.Contains(envs, a.Env) {
			envs = append(envs, a.Env)
		}
	}
	return envs
}
