package release

import (
	"fmt"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/reference"
)

// floating are tags that conventionally move from build to build.
var floating = []string{
	"latest", "head", "main", "master", "canary", "stable", "edge", "dev", "nightly",
	"prod", "production", "staging", "release", "current", "next",
}

// Validate checks tag against the OCI tag grammar
// [A-Za-z0-9_][A-Za-z0-9._-]{0,127}. The error wraps
// reference.ErrTagInvalid.
func Validate(tag string) error {
	return reference.ValidateTag(tag)
}

// CheckFloating refuses a floating tag such as latest (compared without
// regard to case) unless allow is set. The error wraps ErrFloating.
func CheckFloating(tag string, allow bool) error {
	if allow || !slices.Contains(floating, strings.ToLower(tag)) {
		return nil
	}
	return fmt.Errorf("%w %q: it moves from build to build, so a deploy could not say which build runs "+
		"and a rollback could not go back to it (berth deploys digests, and its immutability rules protect v* tags, not this one); "+
		"publish the tag computed from git, or pass --allow-floating", ErrFloating, tag)
}
