package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/version"
)

// Run executes the berth command line with args and returns the process
// exit code. ctx is cancelled on SIGINT/SIGTERM.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		var exit exitError
		if errors.As(err, &exit) {
			return exit.code
		}
		fmt.Fprintf(stderr, "berth: %v\n", err)
		return 1
	}
	return 0
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "berth",
		Short: "berth takes a container image from a CI build to running, healthy containers",
		Long: `berth is an OCI registry and a deployer in one binary.

CI pushes images to berth's registry; berth keeps them on local disk with an
embedded, crash-safe metadata store and serves them to docker, crane, skopeo
and every other OCI client.`,
		Example: `  berth serve                                  # registry on 127.0.0.1:5000, apps on 127.0.0.1:8000
  docker push 127.0.0.1:5000/shop/web:v1.0.0
  berth deploy -f compose.yaml                 # roll the app out and follow it
  berth status shop
  berth demo                                   # the whole path once, on this machine`,
		Version:       version.Get().String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.AddCommand(newProxyCmd())
	root.AddCommand(newServeCmd(), newInitCmd(), newDeployCmd(), newStatusCmd(), newHistoryCmd(), newRollbackCmd(),
		newRolloutCmd(), newLogsCmd(), newRemoveCmd(), newPublishCmd(), newDemoCmd(), newUserCmd(), newRobotCmd(), newRegistryCmd(), newVersionCmd(), newBenchCmd())
	root.AddCommand(newSourceCmd(), newSyncCmd())
	root.AddCommand(newPromoteCmd(), newApproveCmd(), newPipelineCmd())
	return root
}

// exitError ends the process with a specific code after the command has
// already reported what went wrong.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }
