package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
)

func newRobotCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "robot",
		Short: "Manage the robot accounts in berth.yaml",
		Long: `Manage machine accounts, for CI: each logs in with its name and a token
berth generates.

Robots live in the auth section of the config file. A running berth serve
applies a change when it gets SIGHUP (kill -HUP PID), or when it restarts.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newRobotAddCmd(), newRobotGrantCmd())
	return cmd
}

func newRobotAddCmd() *cobra.Command {
	var path string
	var replace bool
	var access []string
	cmd := &cobra.Command{
		Use:   "add NAME --access '[app:]PATTERN=ACTIONS'",
		Short: "Add a robot account and print its token",
		Long: `Add a robot to the config file (berth.yaml, or --config, or $BERTH_CONFIG;
it is created from the template when missing) and print its new token on
standard output. The token is shown this once: berth stores only its
SHA-256. --replace gives an existing robot a new token and new grants.

` + accessHelp + `

A robot needs at least one. A robot is never an admin: the registry's
admin API is for admin users.

The robot logs in with its name as the user and the token as the
password, to the registry and to the API:

  echo "$BERTH_TOKEN" | docker login registry.example.com -u NAME --password-stdin
  BERTH_PASSWORD="$BERTH_TOKEN" berth publish --user NAME --deploy compose.yaml ...

A running berth serve applies it on SIGHUP (kill -HUP PID) or a restart.`,
		Example: `  berth robot add ci --access 'shop/**=pull,push' --access 'app:shop=deploy,read'
  berth robot add deployer --access 'apps/**=pull' --config /etc/berth.yaml
  berth robot add ci --replace --access 'apps/**=pull,push'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, path := args[0], configPath(path)
			grants, err := parseGrants(access)
			if err != nil {
				return err
			}
			if len(grants) == 0 {
				return errors.New("a robot needs at least one --access 'PATTERN=ACTIONS' or --access 'app:PATTERN=ACTIONS'")
			}
			if err := checkNewAccount(path, name, replace); err != nil {
				return err
			}
			token, stored, err := auth.NewRobotToken()
			if err != nil {
				return err
			}
			if err := config.AddRobot(path, config.Robot{Name: name, Token: stored, Access: grants}, replace); err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), token)
			fmt.Fprintf(cmd.ErrOrStderr(), "saved robot %s in %s; send berth serve SIGHUP (kill -HUP PID) to apply.\n"+
				"The token above will not be shown again: store it now, e.g. as a CI secret.\n"+
				"Log in with: docker login REGISTRY -u %s --password-stdin\n", name, path, name)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&path, "config", "", "config file to edit (default $"+config.EnvConfig+", else berth.yaml)")
	f.StringArrayVar(&access, "access", nil, accessFlagHelp)
	f.BoolVar(&replace, "replace", false, "replace the robot, with a new token, if it exists")
	return cmd
}

// newRobotGrantCmd returns `berth robot grant`.
func newRobotGrantCmd() *cobra.Command {
	return newGrantCmd("robot", "its token", `Add grants to a robot in the config file (berth.yaml, or --config, or
$BERTH_CONFIG). Its token and its other grants stay as they are, so CI
needs no new secret; the actions of a grant on a pattern it already has
are added to that grant.`,
		"  berth robot grant ci --access 'app:shop=deploy,read'\n  berth robot grant ci --access 'shop/**=delete'",
		config.GrantRobot)
}
