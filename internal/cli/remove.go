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
	var yes, volumes bool
	cmd := &cobra.Command{
		Use:   "remove APP",
		Short: "Take an app off the host for good",
		Long: `Remove an app: its hosts leave the proxy, its containers drain and stop,
its networks are deleted, and berth forgets its revisions, so that it can
neither be rolled back nor reconciled. Images stay in the registry.
A rollout in progress must finish or be aborted first.

The app's named volumes, and the data in them, are kept: deploying the
app again finds them. --volumes removes them too.

With environments, only the app of one environment is removed: the first,
or the one --env names.`,
		Example: `  berth remove shop --yes
  berth remove shop --yes --volumes   # and delete its data
  berth remove shop --yes --env integration`,
		Args: appArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				return fmt.Errorf("removing %s stops its containers and deletes its history; run again with --yes to go ahead", args[0])
			}
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			var r deploy.Removed
			q := url.Values{}
			if volumes {
				q.Set("volumes", "true")
			}
			if err := c.do(cmd.Context(), http.MethodDelete, "/api/apps/"+url.PathEscape(args[0]), q, &r); err != nil {
				return err
			}
			hosts := "no host"
			if len(r.Hosts) > 0 {
				hosts = strings.Join(r.Hosts, ", ")
			}
			kept := "its volumes kept"
			if r.Volumes {
				kept = "its volumes deleted"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s: %s stopped, %s off the proxy, %s forgotten, %s\n",
				envApp(c.env, r.App), count(r.Containers, "container"), hosts, count(r.Revisions, "revision"), kept)
			return nil
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "confirm the removal")
	cmd.Flags().BoolVar(&volumes, "volumes", false, "also delete the app's named volumes and their data")
	addEnvFlag(cmd)
	addServerFlags(cmd)
	return cmd
}

// count says n things, in the plural unless n is 1.
func count(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
