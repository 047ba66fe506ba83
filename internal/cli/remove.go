package cli

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
)

func newRemoveCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "remove APP",
		Short: "Take an app off the host for good",
		Long: `Remove an app: its hosts leave the proxy, its containers drain and stop,
its network is deleted, and berth forgets its revisions, so that it can
neither be rolled back nor reconciled. Images stay in the registry.
A rollout in progress must finish or be aborted first.`,
		Example: `  berth remove shop --yes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return fmt.Errorf("removing %s stops its containers and deletes its history; run again with --yes to go ahead", args[0])
			}
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			var r deploy.Removed
			if err := c.do(cmd.Context(), http.MethodDelete, "/api/apps/"+url.PathEscape(args[0]), nil, &r); err != nil {
				return err
			}
			hosts := "no host"
			if len(r.Hosts) > 0 {
				hosts = strings.Join(r.Hosts, ", ")
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s: %d containers stopped, %s off the proxy, %d revisions forgotten\n",
				r.App, r.Containers, hosts, r.Revisions)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm the removal")
	addServerFlags(cmd)
	return cmd
}
