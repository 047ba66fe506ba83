package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/gc"
	"github.com/berth-dev/berth/internal/meta"
)

func newRegistryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "registry",
		Short: "Administer a running berth registry",
		Long: `Commands that act on a running berth serve through its JSON API:
garbage collection, the audit log and the webhook delivery log. When the server authenticates they
need an admin account: --user NAME with the password in BERTH_PASSWORD.`,
	}
	cmd.AddCommand(newGCCmd(), newAuditCmd(), newDeliveriesCmd())
	return cmd
}

func newGCCmd() *cobra.Command {
	var dryRun bool
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "gc",
		Short: "Collect garbage now, or show what would go",
		Long: `Run garbage collection on the server now, while it keeps serving.

First the retention rules of the config expire old tags and untagged
manifests; then blob links no manifest references, manifests no
repository links, blobs nothing links and blob files without a record are
removed. Nothing newer than the config's gc.grace goes. --dry-run changes
nothing and reports what this pass would remove.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			var rep gc.Report
			q := url.Values{"dry_run": {strconv.FormatBool(dryRun)}}
			if err := c.do(cmd.Context(), http.MethodPost, "/api/registry/gc", q, &rep); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), rep)
			}
			return printReport(cmd, rep)
		},
	}
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "change nothing; list what would be removed")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	addServerFlags(cmd)
	return cmd
}

func printReport(cmd *cobra.Command, rep gc.Report) error {
	w := cmd.OutOrStdout()
	verb := "removed"
	if rep.DryRun {
		verb = "would remove"
	}
	for _, e := range rep.Expired {
		if e.Tag != "" {
			fmt.Fprintf(w, "retention %s tag %s:%s (%s)\n", verb, e.Repo, e.Tag, e.Digest)
		} else {
			fmt.Fprintf(w, "retention %s untagged manifest %s@%s\n", verb, e.Repo, e.Digest)
		}
	}
	_, err := fmt.Fprintf(w, "gc %s %d blob links, %d manifests, %d blobs and %d orphan files, freeing %s, in %.2fs\n",
		verb, rep.Links, rep.Manifests, rep.Blobs, rep.Orphans, humanBytes(rep.FreedBytes), rep.Seconds)
	return err
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func newAuditCmd() *cobra.Command {
	var repo, since string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "Show who pushed or deleted what, and when",
		Long: `List the audit log, newest first: every manifest push, manifest, tag and
blob delete, and what retention expired, with the account and address
that did it.`,
		Example: `  berth registry audit
  berth registry audit --repo team/app --since 24h
  berth registry audit --since 2026-11-01T00:00:00Z --limit 1000 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if repo != "" {
				q.Set("repo", repo)
			}
			if since != "" {
				q.Set("since", since)
			}
			var entries []meta.AuditEntry
			if err := c.do(cmd.Context(), http.MethodGet, "/api/registry/audit", q, &entries); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), entries)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TIME\tACTOR\tACTION\tREPOSITORY\tTAG\tDIGEST")
			for _, e := range entries {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Time.Local().Format(time.DateTime), e.Actor, e.Action, e.Repo, dash(e.Tag), dash(e.Digest))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&repo, "repo", "", "only this repository")
	cmd.Flags().StringVar(&since, "since", "", "only entries since a time (RFC 3339) or a duration ago (24h)")
	cmd.Flags().IntVar(&limit, "limit", 100, "at most this many entries")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the entries as JSON")
	addServerFlags(cmd)
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newDeliveriesCmd() *cobra.Command {
	var webhook string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "deliveries",
		Short: "Show webhook deliveries and their attempts",
		Long: `List webhook deliveries, newest first: which event went to which webhook,
whether it was delivered, is still being retried or failed, and the
status or error of its last attempt. --json shows every attempt.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			q := url.Values{"limit": {strconv.Itoa(limit)}}
			if webhook != "" {
				q.Set("webhook", webhook)
			}
			var ds []meta.Delivery
			if err := c.do(cmd.Context(), http.MethodGet, "/api/registry/webhooks/deliveries", q, &ds); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), ds)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "CREATED\tWEBHOOK\tEVENT\tREPOSITORY\tSTATE\tATTEMPTS\tLAST")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", d.Created.Local().Format(time.DateTime), d.Webhook,
					d.Event.Action, d.Event.Repository, d.State, len(d.Attempts), lastAttempt(d))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&webhook, "webhook", "", "only this webhook")
	cmd.Flags().IntVar(&limit, "limit", 50, "at most this many deliveries")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the deliveries as JSON, with every attempt")
	addServerFlags(cmd)
	return cmd
}

// lastAttempt summarizes a delivery's latest attempt.
func lastAttempt(d meta.Delivery) string {
	if len(d.Attempts) == 0 {
		return "-"
	}
	a := d.Attempts[len(d.Attempts)-1]
	if a.Error != "" {
		return a.Error
	}
	return strconv.Itoa(a.Status)
}
