package cli

import (
	"errors"
	"fmt"
	"os"
	"regexp"

	"github.com/spf13/cobra"
)

// publishTarget is what berth publish --deploy deploys: the app of a
// Compose file, in an environment ("" for the first), or, with live,
// the apps of the environment that run the repository, each with its
// own spec.
type publishTarget struct {
	file, env string
	live      bool
}

// envNameRE is what an environment's name may be (as berth.yaml has it).
var envNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)

// deployTarget reads --deploy, --compose and --env before anything is
// built, so that a mistake costs no build: --deploy FILE deploys FILE in
// --env; --deploy ENV deploys --compose in ENV when given, else the new
// digest into the apps of ENV that run the repository.
func deployTarget(cmd *cobra.Command, f publishFlags) (publishTarget, error) {
	env, _ := cmd.Flags().GetString("env")
	switch {
	case f.deploy == "" && f.compose != "":
		return publishTarget{}, errors.New("--compose names the Compose file of --deploy ENV: add --deploy ENV")
	case f.deploy == "":
		return publishTarget{}, nil
	case isFile(f.deploy):
		if f.compose != "" {
			return publishTarget{}, fmt.Errorf("--deploy %s is a Compose file already; --compose goes with --deploy ENV", f.deploy)
		}
		return publishTarget{file: f.deploy, env: env}, nil
	case !envNameRE.MatchString(f.deploy):
		return publishTarget{}, fmt.Errorf("--deploy %q: no such Compose file; give a Compose file, or an environment to deploy the app of --compose in", f.deploy)
	case cmd.Flags().Changed("env") && env != f.deploy:
		return publishTarget{}, fmt.Errorf("--deploy %s and --env %s name two environments", f.deploy, env)
	}
	if f.compose != "" {
		if !isFile(f.compose) {
			return publishTarget{}, fmt.Errorf("--compose %q: no such Compose file", f.compose)
		}
		return publishTarget{file: f.compose, env: f.deploy}, nil
	}
	return publishTarget{env: f.deploy, live: true}, nil
}

// isFile reports whether p is a regular file.
func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}
