// Package imagepolicy chooses which tag of an image repository a service
// should run, from the tags the repository has. It is what berth checks a
// pushed tag against before it writes the tag into an app's Compose file
// (x-berth.update).
//
// A Policy is one of three kinds:
//
//   - semver: tags that are semantic versions, with or without a "v"
//     prefix (v1.4.2, 1.4.2), in strict semver (v1.4 and v01.4.2 are not
//     versions), within Range, a Masterminds semver constraint such as
//     "^1.4" or ">=2.0.0 <3" (empty: any version). Pre-releases count
//     only with Prerelease, or when the range itself names one, as
//     Masterminds has it. OCI tags cannot hold "+", so build metadata is
//     written with "_" in a tag (v1.4.2_linux is v1.4.2+linux), as berth
//     publish writes it; metadata does not order versions. The highest
//     version is preferred.
//   - pattern: tags that Pattern, a regular expression (RE2 syntax) with
//     one named group, matches, ordered by the group's value: as a whole
//     number by default (OrderNumeric; a tag whose group holds anything
//     but the digits 0-9 does not count), or as text, byte by byte
//     (OrderAlphabetical). The highest is preferred. The pattern is not
//     anchored unless written with ^ and $, as with any regular
//     expression: '^build-(?P<ts>[0-9]+)-[0-9a-f]{7}$' takes
//     build-20240101120000-1a2b3c4 and not build-2-1a2b3c4-dirty.
//   - digest: the one tag Tag, whose digest is followed: the service
//     runs whatever Tag points at, and a push that moves Tag moves the
//     service. Comparing digests is up to the caller.
//
// A tag that is not a valid OCI tag never qualifies. Two tags that the
// policy ranks the same (v1.4.2 and 1.4.2, or build-007 and build-7
// under a numeric order) are ordered as strings, the later preferred, so
// that the choice never depends on the order tags were listed in.
package imagepolicy
