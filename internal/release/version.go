package release

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// looksLikeVersion matches what was surely meant as a version: a number,
// a dot and a digit, after an optional v or V.
var looksLikeVersion = regexp.MustCompile(`^[vV]?[0-9]+\.[0-9]`)

// version is a semver version with the "v" prefix style it was written
// in.
type version struct {
	sv     *semver.Version
	prefix string // "v" or ""
}

// parseVersionTag parses a git tag of the form v?MAJOR.MINOR.PATCH[-PRE][+BUILD]
// as strict semver. ok is false for a tag that does not look like a
// version at all; err is set for one that looks like a version but is
// not valid semver.
func parseVersionTag(tag string) (v version, ok bool, err error) {
	if !looksLikeVersion.MatchString(tag) {
		return version{}, false, nil
	}
	s, prefix := tag, ""
	switch tag[0] {
	case 'v':
		s, prefix = tag[1:], "v"
	case 'V':
		return version{}, true, fmt.Errorf("%w %q: the prefix must be a lowercase v", ErrReleaseTag, tag)
	}
	sv, err := semver.StrictNewVersion(s)
	if err != nil {
		return version{}, true, fmt.Errorf("%w %q: want v?MAJOR.MINOR.PATCH[-PRE][+BUILD] in strict semver: %w", ErrReleaseTag, tag, err)
	}
	return version{sv: sv, prefix: prefix}, true, nil
}

// parseRegistryTag parses an OCI tag the registry has, where "_" stands
// for semver's "+". ok is false when it is not a valid semver tag.
func parseRegistryTag(tag string) (version, bool) {
	v, ok, err := parseVersionTag(strings.Replace(tag, "_", "+", 1))
	return v, ok && err == nil
}

// tag writes v as an OCI tag: its prefix, and "_" for "+".
func (v version) tag() string {
	return v.prefix + strings.Replace(v.sv.String(), "+", "_", 1)
}

// higher reports whether v is above o; of equal versions, the "v" style
// is preferred, so that it is the one kept.
func (v version) higher(o version) bool {
	if c := v.sv.Compare(o.sv); c != 0 {
		return c > 0
	}
	return v.prefix == "v" && o.prefix == ""
}

// dirty marks v as built from a dirty work tree with the pre-release
// "dirty", after any pre-release it has.
func (v version) dirty() version {
	pre := "dirty"
	if p := v.sv.Prerelease(); p != "" {
		pre = p + ".dirty"
	}
	sv, err := v.sv.SetPrerelease(pre)
	if err != nil { // unreachable: pre is valid when v's pre-release is
		panic(fmt.Sprintf("release: marking %s dirty: %v", v.sv, err))
	}
	return version{sv: &sv, prefix: v.prefix}
}

// highestRelease returns the highest version among tags that is a
// release (no pre-release); ok is false when there is none.
func highestRelease(tags []string) (best version, ok bool) {
	for _, t := range tags {
		v, valid := parseRegistryTag(t)
		if !valid || v.sv.Prerelease() != "" {
			continue
		}
		if !ok || v.higher(best) {
			best, ok = v, true
		}
	}
	return best, ok
}

// bump increments the highest release version among existing by part
// (patch, minor or major), from v0.0.0 when there is none.
func bump(existing []string, part string) (version, error) {
	base, ok := highestRelease(existing)
	if !ok {
		base = version{sv: semver.New(0, 0, 0, "", ""), prefix: "v"}
	}
	var at uint64
	var inc func() semver.Version
	switch part {
	case "patch":
		at, inc = base.sv.Patch(), base.sv.IncPatch
	case "minor":
		at, inc = base.sv.Minor(), base.sv.IncMinor
	case "major":
		at, inc = base.sv.Major(), base.sv.IncMajor
	default:
		return version{}, fmt.Errorf("%w %q: want patch, minor or major", ErrBump, part)
	}
	if at == math.MaxUint64 {
		return version{}, fmt.Errorf("%w: the %s version of %s cannot go higher", ErrBump, part, base.tag())
	}
	next := inc()
	return version{sv: &next, prefix: base.prefix}, nil
}
