package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
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

--inspect shows, for each container of the service, what the host applied
as it reports it: mounts, published ports, limits, user, security options,
networks, and the secrets and configs placed in it (their paths, owners
and modes, never their content).`,
		Example: `  berth status
  berth status shop
  berth status shop db --inspect`,
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			if len(args) == 2 {
				return serviceStatus(cmd, c, args[0], args[1], inspect, asJSON)
			}
			if inspect {
				return fmt.Errorf("--inspect shows one service's containers: berth status APP SERVICE --inspect")
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			defer tw.Flush()
			if len(args) == 0 {
				var apps []deploy.AppStatus
				if err := c.do(cmd.Context(), http.MethodGet, "/api/apps", nil, &apps); err != nil {
					return err
				}
				if asJSON {
					return printJSON(cmd.OutOrStdout(), apps)
				}
				fmt.Fprintln(tw, "APP\tLIVE\tROLLOUT\tSERVICES")
				for _, a := range apps {
					fmt.Fprintf(tw, "%s\t%d\t%s\t%d\n", a.Name, a.Live, rolloutSummary(a.Rollout), len(a.Services))
				}
				return nil
			}
			var st deploy.AppStatus
			if err := c.do(cmd.Context(), http.MethodGet, "/api/apps/"+url.PathEscape(args[0]), nil, &st); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), st)
			}
			fmt.Fprintf(tw, "app %s, live revision %d, rollout: %s\n\n", st.Name, st.Live, rolloutSummary(st.Rollout))
			fmt.Fprintln(tw, "SERVICE\tIMAGE\tDIGEST\tPULL\tSTRATEGY\tHOST\tPORTS\tREPLICAS\tRUNNING\tHEALTHY")
			for _, s := range st.Services {
				running := strconv.Itoa(s.Running)
				if s.Job {
					running = fmt.Sprintf("job, %d completed", s.Completed)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%d\n", s.Name, s.Ref, shortID(s.Digest), s.PullPolicy,
					s.Strategy, dash(s.Host), dash(strings.Join(s.Ports, ", ")), s.Replicas, running, s.Healthy)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&inspect, "inspect", false, "with APP SERVICE: show what the host applied to each container")
	addServerFlags(cmd)
	return cmd
}

func rolloutSummary(r *deploy.RolloutStatus) string {
	if r == nil {
		return "none"
	}
	s := fmt.Sprintf("revision %d %s", r.Revision, r.Outcome)
	if r.LastEvent != nil {
		s += ": " + r.LastEvent.Message
	}
	return s
}

func shortID(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}

func newHistoryCmd() *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history APP",
		Short: "List an app's revisions: what ran, who rolled it out and how it ended",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			var revs []api.Revision
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if err := c.do(cmd.Context(), http.MethodGet, "/api/apps/"+url.PathEscape(args[0])+"/revisions", q, &revs); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), revs)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "REV\tOUTCOME\tSTRATEGY\tBY\tSTARTED\tTOOK\tCHANGED\tNOTE")
			for _, r := range revs {
				took := "-"
				if !r.Finished.IsZero() {
					took = r.Finished.Sub(r.Started).Round(100 * time.Millisecond).String()
				}
				note := r.Reason
				if r.RollbackOf > 0 {
					note = fmt.Sprintf("rollback to %d %s", r.RollbackOf, note)
				}
				if r.Source != "" {
					note = strings.TrimSpace("from " + r.Source + "; " + note)
					note = strings.TrimSuffix(note, ";")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Number, r.Outcome, dash(r.Strategy), r.Actor,
					r.Started.Local().Format(time.DateTime), took, changed(r), dash(note))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many revisions")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	addServerFlags(cmd)
	return cmd
}

func changed(r api.Revision) string {
	if len(r.Changed) == 0 {
		return "-"
	}
	out := ""
	for i, s := range r.Changed {
		if i > 0 {
			out += ", "
		}
		out += s + "=" + r.Services[s].Ref
	}
	return out
}

func newRollbackCmd() *cobra.Command {
	var to int
	var detach bool
	cmd := &cobra.Command{
		Use:   "rollback APP",
		Short: "Go back to an earlier revision",
		Long: `Roll the app out to an earlier revision (by default the last one before the
live revision that went live) as a new revision, with the images and spec
it had. Rolling services roll back with deploy.rollback_config. Blue-green
and canary services switch all traffic back at once as soon as the old
version is healthy, with no preview, confirmation or canary steps; a
blue-green set still kept warm is reused, so going back to it is one
switch in the proxy.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			var rev api.Revision
			q := url.Values{}
			if to > 0 {
				q.Set("to", strconv.Itoa(to))
			}
			if err := c.do(cmd.Context(), http.MethodPost, "/api/apps/"+url.PathEscape(args[0])+"/rollback", q, &rev); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revision %d of %s rolls back to revision %d\n", rev.Number, rev.App, rev.RollbackOf)
			if detach {
				return nil
			}
			return followRollout(cmd, c, rev.App, rev.Number, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&to, "to", 0, "the revision to go back to (default: the last good one before the live one)")
	cmd.Flags().BoolVar(&detach, "detach", false, "start the rollback and return without following it")
	addServerFlags(cmd)
	return cmd
}

func newRolloutCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Act on a rollout in progress",
	}
	for _, action := range []struct{ use, short string }{
		{"promote", "Go on: switch a blue-green set waiting for confirmation, end a canary pause, or resume a paused rollout"},
		{"abort", "Stop the rollout and send all traffic back to the live revision"},
	} {
		sub := &cobra.Command{
			Use:   action.use + " APP",
			Short: action.short,
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := newAPIClient(cmd)
				if err != nil {
					return err
				}
				var out map[string]string
				if err := c.do(cmd.Context(), http.MethodPost, "/api/apps/"+url.PathEscape(args[0])+"/"+action.use, nil, &out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "sent %s to the rollout of %s\n", action.use, args[0])
				return nil
			},
		}
		addServerFlags(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

func newLogsCmd() *cobra.Command {
	var follow bool
	var tail int
	cmd := &cobra.Command{
		Use:   "logs APP [SERVICE]",
		Short: "Show the output of an app's containers",
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			q := url.Values{"follow": {strconv.FormatBool(follow)}, "tail": {strconv.Itoa(tail)}}
			if len(args) == 2 {
				q.Set("service", args[1])
			}
			res, err := c.open(cmd.Context(), http.MethodGet, "/api/apps/"+url.PathEscape(args[0])+"/logs", q, nil)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			_, err = copyUntilDone(cmd, res)
			return err
		},
	}
	cmd.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new output")
	cmd.Flags().IntVar(&tail, "tail", 0, "only the last N lines of each container (0: all)")
	addServerFlags(cmd)
	return cmd
}

// copyUntilDone copies a streamed answer to stdout until it ends or the
// user stops.
func copyUntilDone(cmd *cobra.Command, res *http.Response) (int64, error) {
	n, err := io.Copy(cmd.OutOrStdout(), res.Body)
	if cmd.Context().Err() != nil {
		return n, nil
	}
	return n, err
}
