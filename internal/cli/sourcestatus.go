package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
)

func newSourceListCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the sources, whether each is ready, and the commit it applied",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			var sources []api.SourceStatus
			if err := c.do(cmd.Context(), http.MethodGet, "/api/sources", nil, &sources); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), sources)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tURL\tBRANCH\tPATH\tREADY\tAPPLIED\tAPPS")
			for _, s := range sources {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\n", s.Name, s.URL, s.Branch, sourcePath(s.Path), readyText(s),
					dash(shortCommit(s.Applied)), len(s.Apps))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	addServerFlags(cmd)
	return cmd
}

func newSourceStatusCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status NAME",
		Short: "Show a source: its conditions, commits, apps and ignored files",
		Long: `Show a source as the running server sees it: the commit fetched and the
one applied, its conditions (Ready, Reconciling, Stalled) with the reason
and since when, each app it holds with the revision its last commit led
to or why it does not apply, and the files it ignored, with why.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			var st api.SourceStatus
			if err := c.do(cmd.Context(), http.MethodGet, "/api/sources/"+url.PathEscape(args[0]), nil, &st); err != nil {
				return err
			}
			if asJSON {
				return printJSON(cmd.OutOrStdout(), st)
			}
			return printSourceStatus(cmd.OutOrStdout(), st)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	addServerFlags(cmd)
	return cmd
}

// printSourceStatus writes st for a person to read; the apps' ENV
// column shows once an app runs in another environment than the
// default one.
func printSourceStatus(w io.Writer, st api.SourceStatus) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "source:\t%s\n", st.Name)
	fmt.Fprintf(tw, "url:\t%s\n", st.URL)
	fmt.Fprintf(tw, "branch:\t%s\n", st.Branch)
	fmt.Fprintf(tw, "path:\t%s\n", sourcePath(st.Path))
	fmt.Fprintf(tw, "ready:\t%s\n", readyText(st))
	fmt.Fprintf(tw, "fetched:\t%s\n", dash(st.Fetched))
	fmt.Fprintf(tw, "applied:\t%s\n", dash(st.Applied))
	fmt.Fprintf(tw, "last sync:\t%s\n", timeText(st.LastSync))
	if st.LastError != "" {
		fmt.Fprintf(tw, "last error:\t%s\n", st.LastError)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(st.Conditions) > 0 {
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CONDITION\tSTATUS\tREASON\tSINCE\tMESSAGE")
		for _, c := range st.Conditions {
			fmt.Fprintf(tw, "%s\t%t\t%s\t%s\t%s\n", c.Type, c.Status, dash(c.Reason), timeText(c.Since), dash(c.Message))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	if len(st.Apps) == 0 {
		fmt.Fprintln(w, "no apps")
	} else {
		tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		envs := slices.ContainsFunc(st.Apps, func(a api.SourceApp) bool { return a.Env != "" && a.Env != config.DefaultEnvironment })
		if envs {
			fmt.Fprint(tw, "ENV\t")
		}
		fmt.Fprintln(tw, "APP\tFILE\tREVISION\tCOMMIT\tSTATE")
		for _, a := range st.Apps {
			rev := "-"
			if a.Revision > 0 {
				rev = fmt.Sprint(a.Revision)
			}
			if envs {
				fmt.Fprintf(tw, "%s\t", dash(a.Env))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", a.App, a.File, rev, dash(shortCommit(a.Commit)), appState(a))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(st.Notes) > 0 {
		fmt.Fprintln(w, "\nignored:")
		for _, n := range st.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	return nil
}

// readyCondition returns the Ready condition of s, if it has one.
func readyCondition(s api.SourceStatus) (api.Condition, bool) {
	for _, c := range s.Conditions {
		if c.Type == "Ready" {
			return c, true
		}
	}
	return api.Condition{}, false
}

func sourceReady(s api.SourceStatus) bool {
	c, ok := readyCondition(s)
	return ok && c.Status
}

// readyText says whether s is ready: yes, no (with the reason), or
// unknown before its first reconcile; suspended when it is.
func readyText(s api.SourceStatus) string {
	c, ok := readyCondition(s)
	out := "unknown"
	switch {
	case ok && c.Status:
		out = "yes"
	case ok && c.Reason != "":
		out = "no: " + c.Reason
	case ok:
		out = "no"
	}
	if s.Suspended {
		out += " (suspended)"
	}
	return out
}

// appState says what became of an app of a source.
func appState(a api.SourceApp) string {
	var parts []string
	if a.Suspended {
		parts = append(parts, "suspended")
	}
	if a.Stalled != "" {
		parts = append(parts, "stalled: "+a.Stalled)
	}
	if len(parts) == 0 {
		if a.Revision > 0 {
			return "applied"
		}
		return "pending"
	}
	return strings.Join(parts, ", ")
}

// whyNotReady lists what keeps s from being ready.
func whyNotReady(s api.SourceStatus) []string {
	var out []string
	c, ok := readyCondition(s)
	switch {
	case !ok:
		out = append(out, "it has not reconciled yet")
	case !c.Status:
		out = append(out, strings.TrimPrefix(c.Reason+": "+c.Message, ": "))
	}
	if s.LastError != "" && (!ok || !strings.Contains(c.Message, s.LastError)) {
		out = append(out, s.LastError)
	}
	for _, a := range s.Apps {
		if a.Stalled != "" {
			out = append(out, fmt.Sprintf("app %s: %s", a.App, a.Stalled))
		}
	}
	return out
}

func sourcePath(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// shortCommit cuts a commit to 12 hex digits.
func shortCommit(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format(time.DateTime)
}
