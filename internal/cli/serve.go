package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/driver/docker"
	"github.com/berth-dev/berth/internal/server"
)

func newServeCmd() *cobra.Command {
	def := config.Default()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the registry, the deploy engine and the edge proxy",
		Long: `Run berth's OCI registry (Distribution Spec v1.1) under /v2/ and its JSON
API under /api/ on --listen, and the edge proxy that serves deployed apps on
--proxy-listen. The deploy engine drives the local Docker daemon; without
one, berth serves the registry and refuses deploys.

The edge proxy runs as a process of its own (berth proxy), which berth
serve starts and watches: it goes on serving apps from its last routes
while berth serve restarts, is upgraded or is down, and berth serve
starts it again, with its routes, if it dies. berth serve --upgrade (or
SIGUSR2) hands the listening sockets to the berth binary on disk without
refusing or failing a request: the new berth serve takes them, this one
finishes its requests and exits, and the proxy is handed over to the new
build. A new binary that fails to start leaves this one serving.
SIGINT or SIGTERM stops berth and its proxy.

Everything is kept under the data directory: blobs as files named by their
digest, and tags, manifests, links and upload sessions in an embedded
crash-safe database. SIGINT or SIGTERM finishes in-flight requests, then
closes the store. SIGHUP reads the configuration again and puts auth
(accounts, grants, anonymous pull) and the immutability rules into force
at once, without dropping a connection; other changed settings are logged
and wait for a restart.

Settings come from flags, then BERTH_* environment variables, then the
config file (--config or BERTH_CONFIG; berth init writes one), then
defaults. Without users or robots in the config berth does not
authenticate, and it refuses to listen beyond loopback unless given
--insecure-no-auth.

Web pages cannot drive berth: a state-changing request (any method but
GET, HEAD and OPTIONS) that comes from another web origin (its Origin
header, or Sec-Fetch-Site: cross-site) gets 403, and one under /api/
must say Content-Type: application/json, even without a body. Without
accounts on loopback, berth answers only to loopback addresses,
localhost and names under it, and --allowed-host names; others get 421,
which stops DNS rebinding. With --allowed-host set that holds always.
A request body that sends nothing for --body-idle-timeout is cut.`,
		Example: `  berth serve
  berth serve --upgrade            # hand over to the binary on disk
  berth serve --listen 127.0.0.1:5000 --data /var/lib/berth
  berth init && berth serve --config berth.yaml
  BERTH_DATA=/srv/berth berth serve`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("config", "", "YAML config file (env "+config.EnvConfig+")")
	f.String("listen", def.Listen, "address to serve the registry API on (env "+config.EnvListen+")")
	f.String("proxy-listen", def.ProxyListen, "address of the edge proxy that serves deployed apps (env "+config.EnvProxy+")")
	f.String("data", def.DataDir, "directory that holds all stored data (env "+config.EnvData+")")
	f.Duration("upload-ttl", def.UploadTTL, "remove upload sessions idle for longer than this (env "+config.EnvUploadTTL+")")
	f.Duration("shutdown-timeout", def.ShutdownTimeout, "how long shutdown waits for in-flight requests")
	f.String("log-level", def.Log.Level, "debug, info, warn or error (env "+config.EnvLogLevel+")")
	f.String("log-format", def.Log.Format, "text or json (env "+config.EnvLogFormat+")")
	f.StringToString("label", nil, "label every container and network berth deploys: KEY=VALUE (repeatable)")
	f.Bool("insecure-no-auth", false, "serve without authentication on an address other hosts can reach")
	f.StringSlice("allowed-host", nil, "a host name the registry and API answer to besides loopback ones (repeatable; env "+config.EnvAllowedHosts+")")
	f.StringSlice("allowed-origin", nil, "a web origin (scheme://host[:port]) whose pages may change state (repeatable; env "+config.EnvAllowedOrigins+")")
	f.Duration("body-idle-timeout", def.Server.BodyIdleTimeout, "cut a request body that sends nothing for this long (env "+config.EnvBodyIdleTimeout+")")
	f.Bool("upgrade", false, "hand the running berth serve of --data over to the binary on disk, and wait until it has")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := loadConfig(cmd.Flags())
		if err != nil {
			return err
		}
		if up, _ := cmd.Flags().GetBool("upgrade"); up {
			return upgradeRunning(cmd, cfg.DataDir)
		}
		log, err := newLogger(cmd.ErrOrStderr(), cfg)
		if err != nil {
			return err
		}
		logStartup(cmd.Context(), log, cfg, docker.Probe)
		inherited, err := server.InheritedFromEnv(os.Getenv)
		if err != nil {
			return err
		}
		// Not for the processes this one starts: a later upgrade sets
		// its own.
		os.Unsetenv(server.EnvUpgrade)
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("finding berth's own binary, to run the proxy: %w", err)
		}
		// SIGUSR2 hands over to the binary on disk.
		upgrade := make(chan struct{}, 1)
		usr2 := make(chan os.Signal, 1)
		signal.Notify(usr2, syscall.SIGUSR2)
		defer signal.Stop(usr2)
		go func() {
			for range usr2 {
				select {
				case upgrade <- struct{}{}:
				default:
				}
			}
		}()
		// SIGHUP reads the configuration again.
		reload := make(chan struct{}, 1)
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer func() {
			signal.Stop(hup)
			close(hup)
		}()
		go func() {
			for range hup {
				select {
				case reload <- struct{}{}:
				default: // one is pending already
				}
			}
		}()
		return server.Run(cmd.Context(), cfg, log, server.Options{
			Reload:         reload,
			Load:           func() (config.Config, error) { return loadConfig(cmd.Flags()) },
			ProxyCommand:   []string{self, "proxy"},
			Upgrade:        upgrade,
			UpgradeCommand: append([]string{self}, os.Args[1:]...),
			Inherited:      inherited,
		})
	}
	return cmd
}

// baseConfig is the configuration before the flags: defaults, then the
// config file (--config, else BERTH_CONFIG), then the environment.
func baseConfig(f *pflag.FlagSet) (config.Config, error) {
	cfg := config.Default()
	path, _ := f.GetString("config")
	if path == "" {
		path = os.Getenv(config.EnvConfig)
	}
	if path != "" {
		if err := cfg.LoadFile(path); err != nil {
			return cfg, err
		}
	}
	if err := cfg.ApplyEnv(os.LookupEnv); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// loadConfig builds the configuration: baseConfig, then the flags the
// user set.
func loadConfig(f *pflag.FlagSet) (config.Config, error) {
	cfg, err := baseConfig(f)
	if err != nil {
		return cfg, err
	}
	f.Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "listen":
			cfg.Listen = fl.Value.String()
		case "data":
			cfg.DataDir = fl.Value.String()
		case "proxy-listen":
			cfg.ProxyListen = fl.Value.String()
		case "upload-ttl":
			cfg.UploadTTL, err = time.ParseDuration(fl.Value.String())
		case "shutdown-timeout":
			cfg.ShutdownTimeout, err = time.ParseDuration(fl.Value.String())
		case "log-level":
			cfg.Log.Level = fl.Value.String()
		case "log-format":
			cfg.Log.Format = fl.Value.String()
		case "label":
			var labels map[string]string
			labels, err = f.GetStringToString("label")
			cfg.Labels = labels
		case "insecure-no-auth":
			cfg.InsecureNoAuth = fl.Value.String() == "true"
		case "allowed-host":
			cfg.Server.AllowedHosts, err = f.GetStringSlice("allowed-host")
		case "allowed-origin":
			cfg.Server.AllowedOrigins, err = f.GetStringSlice("allowed-origin")
		case "body-idle-timeout":
			cfg.Server.BodyIdleTimeout, err = time.ParseDuration(fl.Value.String())
		}
	})
	if err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func newLogger(w io.Writer, cfg config.Config) (*slog.Logger, error) {
	level, err := cfg.Level()
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
