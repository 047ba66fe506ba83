package cli

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/config"
)

func newSourceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "source",
		Short: "Manage the git repositories berth applies apps from",
		Long: `A source is a git repository, a branch and a path in it whose Compose files
berth applies and keeps applied: a change pushed to git is rolled out, a
change made by hand on the host is undone.

Sources live in the sources section of the config file: add and remove
edit it, and a running berth serve applies the change when it gets SIGHUP
(kill -HUP PID). list, status, suspend and resume ask the running server;
berth sync makes it fetch and apply now.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSourceAddCmd(), newSourceRemoveCmd(), newSourceListCmd(), newSourceStatusCmd(),
		newSourceSuspendCmd("suspend"), newSourceSuspendCmd("resume"))
	return cmd
}

// sourceAddFlags are the flags of berth source add.
type sourceAddFlags struct {
	url, branch, path                                string
	interval                                         time.Duration
	noPrune, replace                                 bool
	username, passwordFile, passwordEnv              string
	sshKeyFile, passphraseEnv, passphraseFile        string
	knownHostsFile, webhookSecretEnv, webhookSecFile string
	config                                           string
}

func newSourceAddCmd() *cobra.Command {
	var o sourceAddFlags
	cmd := &cobra.Command{
		Use:   "add NAME --url URL",
		Short: "Add a git source to berth.yaml",
		Long: `Add a source to the config file (berth.yaml, or --config, or $BERTH_CONFIG;
it is created from the template when missing). Only the sources section
is rewritten: comments and the rest of the file stay as they are.

The URL is file:///path, a path, https://, http:// to this host only,
ssh://user@host/path or user@host:path; it holds no credentials. Secrets
are never written to the file: name a file or an environment variable
that berth serve reads (--password-file or --password-env for https,
--ssh-key-file with --known-hosts-file for ssh).

With --webhook-secret-env or --webhook-secret-file the source takes push
webhooks signed with that secret (GitHub, GitLab, Gitea, Forgejo, or any
sender with "Authorization: Bearer <secret>"), and fetches at once when
one comes; without, it takes none and fetches every --interval.

A running berth serve applies it on SIGHUP (kill -HUP PID) or a restart.`,
		Example: `  berth source add config --url https://git.example.com/ops/config.git --path apps \
      --username berth --password-env GIT_TOKEN --webhook-secret-env HOOK_SECRET
  berth source add config --url git@git.example.com:ops/config.git \
      --ssh-key-file /etc/berth/id_ed25519 --known-hosts-file /etc/berth/known_hosts
  berth source add local --url /srv/git/config --interval 10s
  berth source add config --url https://git.example.com/ops/config.git --branch stable --replace`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return sourceAdd(cmd, args[0], o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "url", "", "the repository: file://, a path, https://, http:// to loopback, ssh:// or user@host:path (required)")
	f.StringVar(&o.branch, "branch", config.DefaultSourceBranch, "the branch to follow")
	f.StringVar(&o.path, "path", "", "the directory of the repository that holds the Compose files (default: its root)")
	f.DurationVar(&o.interval, "interval", config.DefaultSourceInterval, "how often to fetch when no webhook says (at least 10s)")
	f.BoolVar(&o.noPrune, "no-prune", false, "keep an app whose file leaves the source (default: remove it)")
	f.StringVar(&o.username, "username", "", "the user for https://")
	f.StringVar(&o.passwordFile, "password-file", "", "a file holding the password or token for https://")
	f.StringVar(&o.passwordEnv, "password-env", "", "an environment variable of berth serve holding the password or token")
	f.StringVar(&o.sshKeyFile, "ssh-key-file", "", "a private key for ssh:// and user@host:path URLs")
	f.StringVar(&o.passphraseEnv, "ssh-key-passphrase-env", "", "an environment variable holding the key's passphrase")
	f.StringVar(&o.passphraseFile, "ssh-key-passphrase-file", "", "a file holding the key's passphrase")
	f.StringVar(&o.knownHostsFile, "known-hosts-file", "", "the known_hosts file that names the servers' keys (needed with --ssh-key-file)")
	f.StringVar(&o.webhookSecretEnv, "webhook-secret-env", "", "an environment variable holding the webhook secret (at least 16 characters)")
	f.StringVar(&o.webhookSecFile, "webhook-secret-file", "", "a file holding the webhook secret (at least 16 characters)")
	f.StringVar(&o.config, "config", "", "config file to edit (default $"+config.EnvConfig+", else berth.yaml)")
	f.BoolVar(&o.replace, "replace", false, "replace the source if it exists")
	_ = cmd.MarkFlagRequired("url")
	cmd.MarkFlagsMutuallyExclusive("password-file", "password-env")
	cmd.MarkFlagsMutuallyExclusive("ssh-key-passphrase-env", "ssh-key-passphrase-file")
	cmd.MarkFlagsMutuallyExclusive("webhook-secret-env", "webhook-secret-file")
	return cmd
}

func sourceAdd(cmd *cobra.Command, name string, o sourceAddFlags) error {
	if err := config.ValidateSourceName(name); err != nil {
		return err
	}
	s := config.NewSource(name, o.url)
	s.Branch, s.Path, s.Interval, s.Prune = o.branch, o.path, o.interval, !o.noPrune
	s.Auth = config.SourceAuth{
		Username: o.username, PasswordFile: o.passwordFile, PasswordEnv: o.passwordEnv,
		SSHKeyFile: o.sshKeyFile, SSHKeyPassphraseEnv: o.passphraseEnv, SSHKeyPassphraseFile: o.passphraseFile,
		KnownHostsFile: o.knownHostsFile,
	}
	s.Webhook = config.SourceWebhook{SecretEnv: o.webhookSecretEnv, SecretFile: o.webhookSecFile}
	path := configPath(o.config)
	err := config.AddSource(path, s, o.replace)
	if errors.Is(err, config.ErrSourceExists) {
		return fmt.Errorf("source %s is already in %s; pass --replace to replace it", name, path)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "saved source %s in %s; send berth serve SIGHUP (kill -HUP PID) to apply\n", name, path)
	noteMissingFiles(cmd.ErrOrStderr(), map[string]string{
		"--password-file": o.passwordFile, "--ssh-key-file": o.sshKeyFile, "--ssh-key-passphrase-file": o.passphraseFile,
		"--known-hosts-file": o.knownHostsFile, "--webhook-secret-file": o.webhookSecFile,
	})
	if s.Webhook.Enabled() {
		fmt.Fprintf(cmd.OutOrStdout(), "give the git server's push webhook the same secret; a source without one takes no webhooks\n")
	}
	return nil
}

// noteMissingFiles says which of the named files do not exist here: the
// config is saved anyway, since berth serve may run elsewhere, but the
// source will not fetch until they do.
func noteMissingFiles(w io.Writer, files map[string]string) {
	for _, flag := range []string{"--password-file", "--ssh-key-file", "--ssh-key-passphrase-file", "--known-hosts-file", "--webhook-secret-file"} {
		if p := files[flag]; p != "" {
			if _, err := os.Stat(p); err != nil {
				fmt.Fprintf(w, "note: %s %s: %v; berth serve reads it from there\n", flag, p, errors.Unwrap(err))
			}
		}
	}
}

func newSourceRemoveCmd() *cobra.Command {
	var path string
	cmd := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a git source from berth.yaml",
		Long: `Remove a source from the config file (berth.yaml, or --config, or
$BERTH_CONFIG). Only the sources section is rewritten. A running berth
serve applies it on SIGHUP (kill -HUP PID) or a restart.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			name, path := args[0], configPath(path)
			err := config.RemoveSource(path, name)
			if errors.Is(err, config.ErrSourceUnknown) {
				return fmt.Errorf("%s has no source %s", path, name)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed source %s from %s; send berth serve SIGHUP (kill -HUP PID) to apply\n", name, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "", "config file to edit (default $"+config.EnvConfig+", else berth.yaml)")
	return cmd
}

// newSourceSuspendCmd returns berth source suspend or resume.
func newSourceSuspendCmd(action string) *cobra.Command {
	var app string
	short := map[string]string{
		"suspend": "Stop applying a source, or one of its apps, until resumed",
		"resume":  "Apply a suspended source, or one of its apps, again",
	}[action]
	long := map[string]string{
		"suspend": `Stop fetching and applying the source; with --app, stop applying that one
app of it while the others go on. What runs stays as it is, and changes
made by hand are not undone until it is resumed.`,
		"resume": `Fetch and apply the source again; with --app, apply that one app again.`,
	}[action]
	cmd := &cobra.Command{
		Use:   action + " NAME [--app APP]",
		Short: short,
		Long:  long,
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			q := url.Values{}
			if app != "" {
				q.Set("app", app)
			}
			var st api.SourceStatus
			if err := c.do(cmd.Context(), http.MethodPost, "/api/sources/"+url.PathEscape(args[0])+"/"+action, q, &st); err != nil {
				return err
			}
			what := "source " + args[0]
			if app != "" {
				what = fmt.Sprintf("app %s of source %s", app, args[0])
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %s\n", map[string]string{"suspend": "suspended", "resume": "resumed"}[action], what)
			return nil
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "only this app of the source")
	addServerFlags(cmd)
	return cmd
}
