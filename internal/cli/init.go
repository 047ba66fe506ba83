package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/config"
)

func newInitCmd() *cobra.Command {
	var path string
	var force bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Write a starting berth.yaml",
		Long: `Write a configuration file with berth's defaults spelled out and
commented, and semver release tags (v*) immutable. Refuses to overwrite an
existing file unless --force.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
			if force {
				flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
			}
			f, err := os.OpenFile(path, flags, 0o600)
			if errors.Is(err, fs.ErrExist) {
				return fmt.Errorf("%s already exists; pass --force to replace it", path)
			}
			if err != nil {
				return fmt.Errorf("writing config: %w", err)
			}
			if _, err := f.WriteString(config.Template); err != nil {
				f.Close()
				return fmt.Errorf("writing config: %w", err)
			}
			if err := f.Close(); err != nil {
				return fmt.Errorf("writing config: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s; start with: berth serve --config %s\n", path, path)
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "config", "berth.yaml", "file to write")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing file")
	return cmd
}
