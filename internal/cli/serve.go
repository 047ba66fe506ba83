package cli

import (
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/server"
)

func newServeCmd() *cobra.Command {
	def := config.Default()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the registry",
		Long: `Run berth's OCI registry (Distribution Spec v1.1) under /v2/.

Everything is kept under the data directory: blobs as files named by their
digest, and tags, manifests, links and upload sessions in an embedded
crash-safe database. SIGINT or SIGTERM finishes in-flight requests, then
closes the store.

Settings come from flags, then BERTH_* environment variables, then defaults.`,
		Example: `  berth serve
  berth serve --listen 127.0.0.1:5000 --data /var/lib/berth
  BERTH_DATA=/srv/berth berth serve`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("listen", def.Listen, "address to serve the registry API on (env "+config.EnvListen+")")
	f.String("data", def.DataDir, "directory that holds all stored data (env "+config.EnvData+")")
	f.Duration("upload-ttl", def.UploadTTL, "remove upload sessions idle for longer than this (env "+config.EnvUploadTTL+")")
	f.Duration("shutdown-timeout", def.ShutdownTimeout, "how long shutdown waits for in-flight requests")
	f.String("log-level", def.LogLevel, "debug, info, warn or error (env "+config.EnvLogLevel+")")
	f.String("log-format", def.LogFormat, "text or json (env "+config.EnvLogFormat+")")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := loadConfig(cmd.Flags())
		if err != nil {
			return err
		}
		log, err := newLogger(cmd.ErrOrStderr(), cfg)
		if err != nil {
			return err
		}
		return server.Run(cmd.Context(), cfg, log, nil)
	}
	return cmd
}

// loadConfig builds the configuration: defaults, then the environment,
// then the flags the user set.
func loadConfig(f *pflag.FlagSet) (config.Config, error) {
	cfg := config.Default()
	if err := cfg.ApplyEnv(os.LookupEnv); err != nil {
		return cfg, err
	}
	var err error
	f.Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "listen":
			cfg.Listen = fl.Value.String()
		case "data":
			cfg.DataDir = fl.Value.String()
		case "upload-ttl":
			cfg.UploadTTL, err = time.ParseDuration(fl.Value.String())
		case "shutdown-timeout":
			cfg.ShutdownTimeout, err = time.ParseDuration(fl.Value.String())
		case "log-level":
			cfg.LogLevel = fl.Value.String()
		case "log-format":
			cfg.LogFormat = fl.Value.String()
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
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
