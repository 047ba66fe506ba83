package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
)

func newStatusCmd() *cobra.Command {
	var asJSON, inspect bool
	cmd := &cobra.Command{
		Use:   "status [APP [SERVICE]]",
		Short: "Show what runs: every app, one app's services, or one service's containers",
		Long: `Show what runs. Without arguments, every app; with APP, its live revision,
the rollout in progress and each service's image, digest, host, published
ports, replicas and health; with APP SERVICE, the service's containers.

When berth has several environments, the apps are listed under a heading
per environment, and APP is shown in every environment it runs in (APP
SERVICE, and APP with --json, in the first of them); --env shows one
environment only.

--inspect shows, for each container of the service, what the host applied
as it reports it: mounts, published ports, limits, user, security options,
networks, and the secrets and configs placed in it (their paths, owners
and modes, never their content).`,
		Example: `  berth status
  berth status shop
  berth status shop --env production
  berth status shop db --inspect`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			switch {
			case len(args) == 2:
				if c.env == "" {
					if c, err = firstEnvOf(cmd, c, args[0]); err != nil {
						return err
					}
				}
				return serviceStatus(cmd, c, args[0], args[1], inspect, asJSON)
			case inspect:
				return fmt.Errorf("--inspect shows one service's containers: berth status APP SERVICE --inspect")
			case len(args) == 1:
				return appStatus(cmd, c, args[0], asJSON)
			}
			q := url.Values{}
			if c.env != "" {
				q.Set("env", c.env)
			}
			var apps []deploy.AppStatus
			if err := c.do(cmd.Context(), http.MethodGet, "/api/apps", q, &apps); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), apps)
			}
			return printApps(cmd.OutOrStdout(), apps)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&inspect, "inspect", false, "with APP SERVICE: show what the host applied to each container")
	addEnvFlag(cmd)
	cmd.Flags().Lookup("env").Usage = "show this environment only (default: every one; env " + envEnvironment + ")"
	addServerFlags(cmd)
	return cmd
}

// printApps lists apps, under a heading per environment when they run
// in more than one.
func printApps(w io.Writer, apps []deploy.AppStatus) error {
	groups := byEnv(apps)
	if len(groups) == 0 {
		groups = [][]deploy.AppStatus{nil} // the heading alone
	}
	for i, g := range groups {
		if len(groups) > 1 {
			if i > 0 {
				fmt.Fprintln(w)
			}
			fmt.Fprintf(w, "%s:\n", g[0].Env)
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "APP\tLIVE\tROLLOUT\tSERVICES")
		for _, a := range g {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%d\n", a.Name, a.Live, rolloutSummary(a.Rollout), len(a.Services))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// byEnv groups apps by environment, in the order they come (the
// server's order of environments).
func byEnv(apps []deploy.AppStatus) [][]deploy.AppStatus {
	var groups [][]deploy.AppStatus
	at := map[string]int{}
	for _, a := range apps {
		i, ok := at[a.Env]
		if !ok {
			i = len(groups)
			at[a.Env] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], a)
	}
	return groups
}

// appStatus shows app: in the client's environment when it has one,
// else in every environment the app runs in.
func appStatus(cmd *cobra.Command, c *apiClient, app string, asJSON bool) error {
	var shown []deploy.AppStatus
	named := c.env != ""
	if !named {
		var all []deploy.AppStatus
		if err := c.do(cmd.Context(), http.MethodGet, "/api/apps", nil, &all); err != nil {
			return err
		}
		for _, a := range all {
			if a.Name == app {
				shown = append(shown, a)
			}
		}
		named = len(byEnv(all)) > 1
	}
	if len(shown) == 0 {
		// Asked of the app itself, the server says why it cannot show it.
		var st deploy.AppStatus
		if err := c.do(cmd.Context(), http.MethodGet, "/api/apps/"+url.PathEscape(app), nil, &st); err != nil {
			return err
		}
		shown = append(shown, st)
	}
	if asJSON {
		if len(shown) > 1 {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s runs in %s; this is %s (see --env)\n", app, strings.Join(envsOf(shown, app), ", "), shown[0].Env)
		}
		return printJSON(cmd.OutOrStdout(), shown[0])
	}
	out := cmd.OutOrStdout()
	for i, st := range shown {
		if i > 0 {
			fmt.Fprintln(out)
		}
		env := ""
		if named {
			env = st.Env
		}
		if err := printAppStatus(out, st, env); err != nil {
			return err
		}
	}
	return nil
}

// firstEnvOf returns c in the first environment app runs in, and says
// so when it runs in several; c as it is when it runs in none.
func firstEnvOf(cmd *cobra.Command, c *apiClient, app string) (*apiClient, error) {
	var all []deploy.AppStatus
	if err := c.do(cmd.Context(), http.MethodGet, "/api/apps", nil, &all); err != nil {
		return nil, err
	}
	envs := envsOf(all, app)
	if len(envs) == 0 {
		return c, nil
	}
	if len(envs) > 1 {
		fmt.Fprintf(cmd.ErrOrStderr(), "%s runs in %s; this is %s (see --env)\n", app, strings.Join(envs, ", "), envs[0])
	}
	return c.inEnv(envs[0]), nil
}

// printAppStatus shows one app's live revision and services; env, when
// set, is named in the heading.
func printAppStatus(w io.Writer, st deploy.AppStatus, env string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	in := ""
	if env != "" {
		in = " in " + env
	}
	fmt.Fprintf(tw, "app %s%s, live revision %d, rollout: %s\n\n", st.Name, in, st.Live, rolloutSummary(st.Rollout))
	fmt.Fprintln(tw, "SERVICE\tIMAGE\tDIGEST\tPULL\tSTRATEGY\tHOST\tPORTS\tREPLICAS\tRUNNING\tHEALTHY")
	for _, s := range st.Services {
		running := strconv.Itoa(s.Running)
		if s.Job {
			running = fmt.Sprintf("job, %d completed", s.Completed)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\n", s.Name, s.Ref, shortID(s.Digest), s.PullPolicy,
			s.Strategy, dash(s.Host), dash(strings.Join(s.Ports, ", ")), s.Replicas, running, s.Healthy)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return printOtherSets(w, st.Services)
}

// printOtherSets lists the sets that run besides the live ones: a
// rollout's new set, and the old set kept warm after a switch.
func printOtherSets(w io.Writer, services []deploy.ServiceStatus) error {
	var rows []string
	for _, s := range services {
		for _, set := range s.Sets {
			state := set.State
			if set.State == deploy.SetWarm && !set.Until.IsZero() {
				state += " until " + set.Until.Local().Format("15:04")
			}
			rows = append(rows, fmt.Sprintf("%s\t%s\t%d\t%d\t%d\t%d%%\t%s\n", s.Name, set.Set, set.Revision, set.Running, set.Healthy, set.Traffic, state))
		}
	}
	if len(rows) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nbesides the live sets:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SERVICE\tSET\tREVISION\tRUNNING\tHEALTHY\tTRAFFIC\tSTATE")
	for _, r := range rows {
		fmt.Fprint(tw, r)
	}
	return tw.Flush()
}

func rolloutSummary(r *deploy.RolloutStatus) string {
	if r == nil {
		return "none"
	}
	s := fmt.Sprintf("revision %d %s", r.Revision, r.Outcome)
	if r.LastEvent != nil {
		// A pause's event says "paused: why", which the outcome says already.
		s += ": " + strings.TrimPrefix(r.LastEvent.Message, string(r.Outcome)+": ")
	}
	return s
}

func shortID(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
