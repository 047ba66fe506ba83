package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
)

func newSyncCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sync [NAME]",
		Short: "Fetch and apply a source now, or every source, and wait for the result",
		Long: `Make the running server fetch a source's branch and apply what it holds
now, instead of at its next interval, and wait until it is done: a
rollout it starts may take minutes. Without NAME, every source that is not
suspended is synced, one after the other.

It exits 1 if a source ends not ready, after saying why: the reason of
its Ready condition, its last error and each app that does not apply.`,
		Example: `  berth sync
  berth sync config
  berth sync config --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			names := args
			skipped := 0
			if len(names) == 0 {
				var sources []api.SourceStatus
				if err := c.do(cmd.Context(), http.MethodGet, "/api/sources", nil, &sources); err != nil {
					return err
				}
				for _, s := range sources {
					if s.Suspended {
						skipped++
						if !asJSON {
							fmt.Fprintf(cmd.OutOrStdout(), "%s: suspended, not synced\n", s.Name)
						}
						continue
					}
					names = append(names, s.Name)
				}
				if len(names) == 0 && skipped == 0 {
					return fmt.Errorf("the server has no sources; add one with berth source add")
				}
			}
			return syncSources(cmd, c, names, len(args) == 1, asJSON)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the sources' status as JSON")
	addServerFlags(cmd)
	return cmd
}

// syncSources syncs each source in turn, says how each ended, and fails
// if one is not ready. one is true when the user named a single source,
// whose status --json prints as an object rather than a list.
func syncSources(cmd *cobra.Command, c *apiClient, names []string, one, asJSON bool) error {
	out := cmd.OutOrStdout()
	var results []api.SourceStatus
	var failed []string
	for _, name := range names {
		if !asJSON {
			fmt.Fprintf(cmd.ErrOrStderr(), "syncing %s...\n", name)
		}
		var st api.SourceStatus
		err := c.do(cmd.Context(), http.MethodPost, "/api/sources/"+url.PathEscape(name)+"/sync", nil, &st)
		if err != nil {
			if cmd.Context().Err() != nil || one {
				return err
			}
			w := out
			if asJSON {
				w = cmd.ErrOrStderr()
			}
			fmt.Fprintf(w, "%s: %v\n", name, err)
			failed = append(failed, name)
			continue
		}
		results = append(results, st)
		if !sourceReady(st) {
			failed = append(failed, name)
		}
		if !asJSON {
			printSyncResult(out, st)
		}
	}
	if asJSON {
		var v any = results
		if one {
			v = results[0]
		}
		if err := printJSON(out, v); err != nil {
			return err
		}
		if len(failed) > 0 {
			return exitError{code: 1}
		}
		return nil
	}
	switch {
	case len(failed) == 0:
		return nil
	case len(names) == 1:
		return fmt.Errorf("source %s is not ready", failed[0])
	default:
		return fmt.Errorf("%d of %d sources are not ready: %s", len(failed), len(names), strings.Join(failed, ", "))
	}
}

// printSyncResult says how a sync of st ended, and why it is not ready
// when it is not.
func printSyncResult(w io.Writer, st api.SourceStatus) {
	if sourceReady(st) {
		fmt.Fprintf(w, "%s: ready, applied %s (%s)\n", st.Name, dash(shortCommit(st.Applied)), appCount(len(st.Apps)))
		return
	}
	fmt.Fprintf(w, "%s: not ready", st.Name)
	if st.Applied != "" {
		fmt.Fprintf(w, "; %s still applied", shortCommit(st.Applied))
	}
	fmt.Fprintln(w)
	for _, why := range whyNotReady(st) {
		fmt.Fprintf(w, "  %s\n", why)
	}
}

func appCount(n int) string {
	if n == 1 {
		return "1 app"
	}
	return fmt.Sprintf("%d apps", n)
}
