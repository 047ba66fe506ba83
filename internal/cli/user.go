package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
)

func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the users in berth.yaml",
		Long: `Manage the people who log in to berth's registry with a password.

Users live in the auth section of the config file. A running berth serve
applies a change when it gets SIGHUP (kill -HUP PID), or when it restarts.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newUserAddCmd(auth.PasswordCost), newUserGrantCmd())
	return cmd
}

// newUserAddCmd returns `berth user add`, hashing passwords at cost.
func newUserAddCmd(cost int) *cobra.Command {
	var path string
	var admin, replace bool
	var access []string
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a user who logs in with a password",
		Long: `Add a user to the config file (berth.yaml, or --config, or $BERTH_CONFIG;
it is created from the template when missing). Only the auth section is
rewritten: comments and the rest of the file stay as they are.

The password is read from standard input when it is not a terminal (the
first line), else asked for twice without echo. It needs at least 8
characters; berth stores only its bcrypt hash (cost 12).

` + accessHelp + `

An admin may do everything, including listing the catalog and the
registry's admin API (berth registry gc, audit, deliveries).

A running berth serve applies it on SIGHUP (kill -HUP PID) or a restart.`,
		Example: `  berth user add alice --access 'team/**=pull,push' --access 'app:shop=read,logs'
  berth user add root --admin
  echo "$PASSWORD" | berth user add ci-reader --access '**=pull' --config /etc/berth.yaml
  berth user add alice --replace --access 'team/**=pull,push,delete'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, path := args[0], configPath(path)
			grants, err := parseGrants(access)
			if err != nil {
				return err
			}
			if err := checkNewAccount(path, name, replace); err != nil {
				return err
			}
			password, err := readPassword(cmd.InOrStdin(), cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			hash, err := auth.HashPassword(password, cost)
			if err != nil {
				return err
			}
			if err := config.AddUser(path, config.User{Name: name, Password: hash, Admin: admin, Access: grants}, replace); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "saved user %s in %s; send berth serve SIGHUP (kill -HUP PID) to apply\n", name, path)
			if !admin && len(grants) == 0 {
				warnNoRights(cmd.ErrOrStderr(), name, path)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&path, "config", "", "config file to edit (default $"+config.EnvConfig+", else berth.yaml)")
	f.BoolVar(&admin, "admin", false, "allow everything, on every repository")
	f.StringArrayVar(&access, "access", nil, accessFlagHelp)
	f.BoolVar(&replace, "replace", false, "replace the user if it exists")
	return cmd
}

// warnNoRights tells that user name, just added to the config at path
// with neither --admin nor --access, can log in but do nothing.
func warnNoRights(w io.Writer, name, path string) {
	config := ""
	if path != "berth.yaml" {
		config = " --config " + path
	}
	fmt.Fprintf(w, "warning: %s can log in but may do nothing (no --admin, no --access) until granted rights, e.g.:\n"+
		"  berth user grant %s%s --access 'team/**=pull,push' --access 'app:shop=read,logs'\n", name, name, config)
}

// newUserGrantCmd returns `berth user grant`.
func newUserGrantCmd() *cobra.Command {
	return newGrantCmd("user", "its password", `Add grants to a user in the config file (berth.yaml, or --config, or
$BERTH_CONFIG). Its password and its other grants stay as they are; the
actions of a grant on a pattern it already has are added to that grant.`,
		"  berth user grant alice --access 'app:shop=deploy,rollback'\n  berth user grant alice --access 'team/**=delete'",
		config.GrantUser)
}

// configPath is the file to edit: the flag, else $BERTH_CONFIG, else
// berth.yaml.
func configPath(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv(config.EnvConfig); env != "" {
		return env
	}
	return "berth.yaml"
}

// accessHelp says what --access takes, for the help of the commands
// that have it.
const accessHelp = `--access grants actions on the repositories, or with app: on the apps,
whose names a pattern matches: "*" stays within one path component, "**"
crosses them. Quote the value so that the shell leaves the stars alone.

  --access 'PATTERN=ACTIONS'      repositories: pull, push, delete
  --access 'app:PATTERN=ACTIONS'  apps: read (status, history, following a
                                  rollout), logs, deploy, rollback (also
                                  rollout abort), promote (rollout promote),
                                  approve (reserved for promotion gates),
                                  remove (berth remove: the app and its
                                  history go; nothing else implies it)

A repository name never holds ":", so the two cannot be confused. berth
publish --deploy needs deploy and read on the app.`

const accessFlagHelp = "grant actions: 'PATTERN=pull,push,delete' on repositories, 'app:PATTERN=read,deploy,...' on apps (repeatable)"

// appPrefix marks an --access value that grants actions on apps.
const appPrefix = "app:"

// parseGrants reads --access values: [app:]PATTERN=ACTION[,ACTION...].
func parseGrants(specs []string) ([]config.Grant, error) {
	var grants []config.Grant
	for _, spec := range specs {
		i := strings.LastIndexByte(spec, '=')
		if i <= 0 || i == len(spec)-1 {
			return nil, fmt.Errorf("--access %q: want PATTERN=ACTION[,ACTION...] or app:PATTERN=ACTION[,ACTION...]", spec)
		}
		g := config.Grant{Repos: spec[:i]}
		if p, ok := strings.CutPrefix(g.Repos, appPrefix); ok {
			if p == "" {
				return nil, fmt.Errorf("--access %q: want app:PATTERN=ACTION[,ACTION...]", spec)
			}
			g = config.Grant{Apps: p}
		} else if strings.Contains(g.Repos, ":") {
			return nil, fmt.Errorf("--access %q: a repository pattern has no \":\"; for apps write app:PATTERN=ACTIONS", spec)
		}
		for _, a := range strings.Split(spec[i+1:], ",") {
			a = strings.TrimSpace(a)
			if !slices.Contains(g.Actions, a) {
				g.Actions = append(g.Actions, a)
			}
		}
		if err := config.CheckGrant(g); err != nil {
			return nil, fmt.Errorf("--access %q: %w", spec, err)
		}
		grants = append(grants, g)
	}
	return grants, nil
}

// checkNewAccount refuses a bad name, and a name the config at path
// already has unless replace, before anything is asked or generated.
// A config that does not load is left for the edit to report.
func checkNewAccount(path, name string, replace bool) error {
	if err := config.ValidateAccountName(name); err != nil {
		return err
	}
	if name == auth.Anonymous {
		return fmt.Errorf("account name %q is reserved", name)
	}
	cfg := config.Default()
	if err := cfg.LoadFile(path); err != nil {
		return nil
	}
	for _, u := range cfg.Auth.Users {
		if u.Name == name && !replace {
			return fmt.Errorf("user %s is already in %s; pass --replace to replace it", name, path)
		}
	}
	for _, r := range cfg.Auth.Robots {
		if r.Name == name && !replace {
			return fmt.Errorf("robot %s is already in %s; pass --replace to replace it", name, path)
		}
	}
	return nil
}

// readPassword asks for a password twice on a terminal, or reads the
// first line of in otherwise.
func readPassword(in io.Reader, prompt io.Writer) (string, error) {
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		ask := func(p string) (string, error) {
			fmt.Fprint(prompt, p)
			b, err := term.ReadPassword(int(f.Fd()))
			fmt.Fprintln(prompt)
			return string(b), err
		}
		first, err := ask("Password: ")
		if err != nil {
			return "", fmt.Errorf("reading password: %w", err)
		}
		again, err := ask("Password again: ")
		if err != nil {
			return "", fmt.Errorf("reading password: %w", err)
		}
		if first != again {
			return "", errors.New("the passwords do not match")
		}
		return first, nil
	}
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password on standard input")
	}
	return line, nil
}
