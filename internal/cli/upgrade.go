package cli

import (
	"fmt"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/server"
)

// upgradeWait bounds how long berth serve --upgrade waits for the
// handover.
const upgradeWait = 3 * time.Minute

// upgradeRunning asks the berth serve of dataDir to hand over to the
// binary on disk (SIGUSR2) and waits until a new one has taken over, or
// says why it did not.
func upgradeRunning(cmd *cobra.Command, dataDir string) error {
	old, err := server.ReadPid(dataDir)
	if err != nil {
		return err
	}
	if !server.Alive(old) {
		return fmt.Errorf("the berth serve of %s (pid %d) is not running", dataDir, old)
	}
	if err := server.ClearUpgradeFailure(dataDir); err != nil {
		return err
	}
	if err := syscall.Kill(old, syscall.SIGUSR2); err != nil {
		return fmt.Errorf("asking berth serve (pid %d) to upgrade: %w", old, err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "asked berth serve (pid %d) to hand over to the binary on disk\n", old)
	deadline := time.Now().Add(upgradeWait)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if why := server.UpgradeFailure(dataDir); why != "" {
			return fmt.Errorf("the upgrade failed, and berth serve (pid %d) serves on: %s", old, why)
		}
		if pid, err := server.ReadPid(dataDir); err == nil && pid != old && server.Alive(pid) {
			fmt.Fprintf(cmd.OutOrStdout(), "berth serve pid %d took over from pid %d\n", pid, old)
			return nil
		}
	}
	return fmt.Errorf("no new berth serve took over within %s; see berth serve's log (pid %d)", upgradeWait, old)
}
