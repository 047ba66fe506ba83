package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/berth-dev/berth/internal/config"
)

// EnvProxyListenerFD names an inherited descriptor of the socket berth
// proxy serves apps on, in place of binding --listen.
const EnvProxyListenerFD = "BERTH_PROXY_LISTENER_FD"

func newProxyCmd() *cobra.Command {
	def := config.Default()
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Run the edge proxy that serves deployed apps, as a process of its own",
		Long: `Run the edge proxy that sends deployed apps' traffic to their containers,
as a process of its own, so that apps stay reachable while berth serve
restarts, is upgraded or is down.

berth serve starts this process and supervises it: it hands it the
listening socket, sets its routes over the control socket, starts it again
if it dies and hands over to a new one when berth is upgraded. A proxy
already serving the data directory when berth serve starts is adopted, not
replaced. Run it by hand only to keep it under another supervisor (such as
systemd, started before berth serve) or to look into it.

It keeps its files under DATA/proxy (mode 0700): the control socket
control.sock, the state state.json (routes, backends' health, the last ten
minutes of stats and the sticky cookie key; mode 0600), and the pid file
pid while it serves. A restarted proxy loads the state before it accepts a
connection, so it answers with the routes and health it had; a state file
it cannot read is moved aside and it starts without routes.

With ` + EnvProxyListenerFD + `=N in the environment it serves on the inherited
descriptor N (a listening TCP socket) and --listen is not used; otherwise
it binds --listen.

SIGINT or SIGTERM stops accepting, lets the requests in flight finish (for
up to --drain-timeout, WebSockets and streams included), saves the state
and exits 0; a second signal exits at once.

Settings come from flags, then BERTH_* environment variables, then the
config file's proxy settings (proxy_listen, proxy.body_idle_timeout,
proxy.trusted_proxies, access_log.proxy, shutdown_timeout, data, log), then
defaults, as for berth serve. SIGHUP reopens the access log's file.`,
		Example: `  berth proxy --data /var/lib/berth
  berth proxy --config berth.yaml`,
		Args: cobra.NoArgs,
	}
	f := cmd.Flags()
	f.String("config", "", "YAML config file, the one berth serve reads (env "+config.EnvConfig+")")
	f.String("data", def.DataDir, "berth's data directory; the proxy's files are under its proxy directory (env "+config.EnvData+")")
	f.String("listen", def.ProxyListen, "address to serve apps on, without "+EnvProxyListenerFD+" (env "+config.EnvProxy+"; config proxy_listen)")
	f.Duration("drain-timeout", def.ShutdownTimeout, "how long requests in flight may take to finish when the proxy stops or a backend leaves the routes (config shutdown_timeout)")
	f.Duration("body-idle-timeout", def.Proxy.BodyIdleTimeout, "cut a request body that sends nothing for this long (config proxy.body_idle_timeout)")
	f.String("log-level", def.Log.Level, "debug, info, warn or error (env "+config.EnvLogLevel+")")
	f.String("log-format", def.Log.Format, "text or json (env "+config.EnvLogFormat+")")
	f.String("access-log", def.AccessLog.Proxy, "where a line per request goes: stderr, off or a file's path (config access_log.proxy)")
	f.String("trusted-proxies", "", "comma-separated addresses and CIDR ranges of load balancers whose X-Forwarded-For is believed (config proxy.trusted_proxies)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		cfg, err := loadProxyConfig(cmd.Flags())
		if err != nil {
			return err
		}
		log, err := newLogger(cmd.ErrOrStderr(), cfg)
		if err != nil {
			return err
		}
		return runProxy(cfg, log)
	}
	return cmd
}

// loadProxyConfig builds the proxy's configuration as loadConfig builds
// berth serve's: defaults, then the config file, then the environment,
// then the flags the user set. --drain-timeout sets ShutdownTimeout.
// Only the settings the proxy uses are checked: berth serve's others,
// such as a registry address beyond loopback without accounts, are not
// the proxy's to refuse.
func loadProxyConfig(f *pflag.FlagSet) (config.Config, error) {
	cfg, err := baseConfig(f)
	if err != nil {
		return cfg, err
	}
	f.Visit(func(fl *pflag.Flag) {
		switch fl.Name {
		case "listen":
			cfg.ProxyListen = fl.Value.String()
		case "data":
			cfg.DataDir = fl.Value.String()
		case "drain-timeout":
			cfg.ShutdownTimeout, err = time.ParseDuration(fl.Value.String())
		case "body-idle-timeout":
			cfg.Proxy.BodyIdleTimeout, err = time.ParseDuration(fl.Value.String())
		case "log-level":
			cfg.Log.Level = fl.Value.String()
		case "log-format":
			cfg.Log.Format = fl.Value.String()
		case "access-log":
			cfg.AccessLog.Proxy = fl.Value.String()
		case "trusted-proxies":
			cfg.Proxy.TrustedProxies = config.SplitList(fl.Value.String())
		}
	})
	if err != nil {
		return cfg, err
	}
	check := config.Default()
	check.ProxyListen, check.DataDir, check.ShutdownTimeout, check.Log, check.Proxy = cfg.ProxyListen, cfg.DataDir, cfg.ShutdownTimeout, cfg.Log, cfg.Proxy
	check.AccessLog.Proxy = cfg.AccessLog.Proxy
	if err := check.Validate(); err != nil {
		return cfg, fmt.Errorf("invalid configuration: %w", err)
	}
	return cfg, nil
}
