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
)

func newHistoryCmd() *cobra.Command {
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "history APP",
		Short: "List an app's revisions: what ran, who rolled it out and how it ended",
		Long: `List an app's revisions, newest first: what ran, who rolled it out and
how it ended. Under a revision, a line for each verification job it ran
(x-berth.verify): the service, where in the rollout it ran, passed or
failed, the exit code and how long it took; berth logs APP --verify
shows their output.`,
		Example: `  berth history shop
  berth history shop --env production
  berth history shop --json`,
		Args: appArgs(0),
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
			tw := tabwriter.NewWriter(newSubLineWriter(cmd.OutOrStdout()), 0, 4, 2, ' ', 0)
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
				note = withPromotion(note, r.Promotion)
				if r.Source != "" {
					note = strings.TrimSpace("from " + r.Source + "; " + note)
					note = strings.TrimSuffix(note, ";")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Number, r.Outcome, dash(r.Strategy), r.Actor,
					r.Started.Local().Format(time.DateTime), took, changed(r), dash(note))
				printVerifyRuns(tw, r)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 20, "at most this many revisions")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	addEnvFlag(cmd)
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
		Example: `  berth rollback shop
  berth rollback shop --to 3
  berth rollback shop --detach`,
		Args: appArgs(0),
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
			fmt.Fprintf(cmd.OutOrStdout(), "revision %d of %s rolls back to revision %d\n", rev.Number, envApp(c.env, rev.App), rev.RollbackOf)
			if detach {
				return nil
			}
			return followRollout(cmd, c, rev.App, rev.Number, cmd.OutOrStdout())
		},
	}
	cmd.Flags().IntVar(&to, "to", 0, "the revision to go back to (default: the last good one before the live one)")
	cmd.Flags().BoolVar(&detach, "detach", false, "start the rollback and return without following it")
	addEnvFlag(cmd)
	addServerFlags(cmd)
	return cmd
}

func newRolloutCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rollout",
		Short: "Act on a rollout in progress",
		Long: `Act on the rollout of an app that is under way: promote lets a rollout
waiting for a person go on (a blue-green set waiting for confirm: manual,
a canary step with pause: manual, a rollout paused by failure_action:
pause); abort stops it and sends all traffic back to the live revision.
berth status APP shows whether a rollout waits.`,
		Example: `  berth rollout promote shop
  berth rollout abort shop`,
	}
	for _, action := range []struct{ use, short string }{
		{"promote", "Go on: switch a blue-green set waiting for confirmation, end a canary pause, or resume a paused rollout " +
			"(berth promote instead takes what runs in one environment to another)"},
		{"abort", "Stop the rollout and send all traffic back to the live revision"},
	} {
		sub := &cobra.Command{
			Use:     action.use + " APP",
			Short:   action.short,
			Example: "  berth rollout " + action.use + " shop\n  berth rollout " + action.use + " shop --env production",
			Args:    appArgs(0),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := newAPIClient(cmd)
				if err != nil {
					return err
				}
				var out map[string]string
				if err := c.do(cmd.Context(), http.MethodPost, "/api/apps/"+url.PathEscape(args[0])+"/"+action.use, nil, &out); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "sent %s to the rollout of %s\n", action.use, envApp(c.env, args[0]))
				return nil
			},
		}
		addEnvFlag(sub)
		addServerFlags(sub)
		cmd.AddCommand(sub)
	}
	return cmd
}

func newLogsCmd() *cobra.Command {
	var follow bool
	var tail int
	var vf verifyFlags
	cmd := &cobra.Command{
		Use:   "logs APP [SERVICE]",
		Short: "Show the output of an app's containers, or of its verification jobs",
		Long: `Show the output of an app's containers (of one service's, with SERVICE).

With --verify, show instead what the verification jobs (x-berth.verify)
of a revision wrote, as berth kept it with the revision: of the newest
revision that ran one, or of --revision N; each run is headed by its
service, where in the rollout it ran and its result. --tail applies to
each run's output; --follow does not go with --verify.`,
		Example: `  berth logs shop
  berth logs shop web -f --tail 20
  berth logs shop --verify
  berth logs shop web --verify --revision 7`,
		Args: appArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := vf.check(cmd); err != nil {
				return err
			}
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			if vf.verify {
				return showVerifyLogs(cmd, c, args[0], strings.Join(args[1:], ""), vf.revision, tail)
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
	vf.add(cmd)
	addEnvFlag(cmd)
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
