package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/berth-dev/berth/internal/demo"
)

func newDemoCmd() *cobra.Command {
	opts := demo.Options{}
	var nonInteractive bool
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Walk the whole path once: publish, deploy, canary, promote, roll back",
		Long: `Run berth's five-minute demo on this machine (it needs Go and a Docker
daemon). It starts berth in a temporary directory, copies the example app
into a git repository of its own, tags v1.0.0, publishes it with
berth publish, deploys it, makes and publishes v1.1.0, rolls it out as a
canary under live traffic while showing each version's share, promotes
it, rolls back, and prints the URL to open. Each step shows the command
a user would type.

On a terminal the demo waits for Enter before promoting the canary and
keeps berth running at the end until Ctrl-C; with --non-interactive (the
default when stdin is not a terminal, as in CI) it goes straight through
and cleans up.`,
		Example: `  berth demo
  cd examples/hello && make demo
  berth demo --non-interactive`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bin, err := os.Executable()
			if err != nil {
				return fmt.Errorf("finding the berth binary: %w", err)
			}
			opts.Bin = bin
			stdin, isFile := cmd.InOrStdin().(*os.File)
			opts.Interactive = !nonInteractive && isFile && term.IsTerminal(int(stdin.Fd()))
			opts.Out, opts.In = cmd.OutOrStdout(), cmd.InOrStdin()
			return demo.Run(cmd.Context(), opts)
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.Example, "example", "", "the example app's directory (default: the one built into berth)")
	f.StringVar(&opts.Listen, "listen", "127.0.0.1:5000", "registry and API address to use if free (else a random port)")
	f.StringVar(&opts.ProxyListen, "proxy-listen", "127.0.0.1:8000", "proxy address to use if free (else a random port)")
	f.StringArrayVar(&opts.Labels, "label", nil, "label for every container and network the demo starts: KEY=VALUE (repeatable)")
	f.BoolVar(&nonInteractive, "non-interactive", false, "do not wait for Enter; clean up at the end")
	f.BoolVar(&opts.Keep, "keep", false, "keep the demo's directory (data, logs, the app's git repository)")
	return cmd
}
