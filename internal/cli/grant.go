package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
)

// newGrantCmd returns `berth user grant` or `berth robot grant`: kind
// names the account, keeps what of it stays, intro opens the help, and
// grant adds the grants to the config file.
func newGrantCmd(kind, keeps, intro, examples string, grant func(path, name string, grants []config.Grant) error) *cobra.Command {
	var path string
	var access []string
	cmd := &cobra.Command{
		Use:   "grant NAME --access '[app:]PATTERN=ACTIONS'",
		Short: "Give a " + kind + " more rights, keeping " + keeps,
		Long: intro + `

` + accessHelp + `

A running berth serve applies it on SIGHUP (kill -HUP PID) or a restart.`,
		Example: examples,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, path := args[0], configPath(path)
			grants, err := parseGrants(access)
			if err != nil {
				return err
			}
			if len(grants) == 0 {
				return errors.New("say what to grant with --access 'PATTERN=ACTIONS' or --access 'app:PATTERN=ACTIONS'")
			}
			if err := grant(path, name, grants); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved the grants of %s %s in %s; send berth serve SIGHUP (kill -HUP PID) to apply\n", kind, name, path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&path, "config", "", "config file to edit (default $"+config.EnvConfig+", else berth.yaml)")
	f.StringArrayVar(&access, "access", nil, accessFlagHelp)
	return cmd
}
