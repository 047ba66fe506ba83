package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// appArgs accepts exactly one APP and, with extra, up to extra more
// arguments; otherwise it says what to write, in words rather than
// counts: "berth history APP: name the app (berth status lists them)".
func appArgs(extra int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		switch {
		case len(args) == 0:
			return fmt.Errorf("%s: name the app (berth status lists them)", usage(cmd))
		case len(args) > 1+extra:
			return fmt.Errorf("%s: too many arguments: %s; see %s --help", usage(cmd), strings.Join(args[1+extra:], " "), cmd.CommandPath())
		}
		return nil
	}
}

// usage is the command's path and arguments, "berth history APP".
func usage(cmd *cobra.Command) string {
	return cmd.CommandPath() + strings.TrimPrefix(cmd.Use, cmd.Name())
}
