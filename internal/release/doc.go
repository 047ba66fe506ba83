// Package release computes the tag an image built from a git commit gets,
// and the provenance that goes with it. It is the git half of
// `berth publish`.
//
// Compute opens the repository that contains a directory (searching
// upward for .git, as git does) and reads HEAD: the full and short
// (ShortLength, git's default of 7) commit hash, the branch, the commit
// time, the origin remote as the source URL and whether the work tree is
// dirty. The tag then comes from the first rule that applies:
//
//  1. Options.Bump (patch, minor or major): the highest release version
//     among the tags the registry already has, incremented. Pre-release
//     tags (v2.0.0-rc.1) are ignored when looking for the highest, so a
//     bump always starts from a released version. Ordering is numeric
//     (v1.10.0 is above v1.9.0). The result keeps the "v" style of the
//     highest tag; with no release tag in the registry the base is v0.0.0,
//     so patch gives v0.0.1, minor v0.1.0 and major v1.0.0. When one of
//     the highest release versions is an image of HEAD (Options.RevisionOf
//     reads its revision label), HEAD gets that version again: a retried
//     publish does not bump twice.
//  2. A release tag on HEAD: a git tag (lightweight or annotated, peeled
//     to its commit) of the form v?MAJOR.MINOR.PATCH[-PRE][+BUILD] that is
//     strict semver. Several give the highest. A tag that looks like a
//     version (a digit, a dot and a digit, after an optional v or V) but
//     is not one, such as v1.2, v01.2.3 or 2024.01.15, is an error naming
//     it rather than being passed over: it was surely meant as a release.
//     A single-number tag such as v1 (a moving major-version tag) is not
//     taken for a release.
//  3. Options.Format, by default "build-{sha}". Placeholders: {sha} (the
//     full 40-hex commit), {shortsha}, {branch} (characters outside
//     [A-Za-z0-9._-] become "-", case is kept), {version} (the nearest
//     release tag reachable from HEAD without its "v", or 0.0.0; tags
//     on older commits that are not valid semver are skipped here),
//     {date} (commit date, YYYYMMDD UTC) and {time} (commit time,
//     YYYYMMDDhhmmss UTC). An unknown placeholder is an error, and so is
//     a format without {sha} or {shortsha}: every commit would not get a
//     tag of its own.
//
// OCI tags cannot hold "+", so semver build metadata is written with "_"
// in the tag (v1.2.3+linux becomes v1.2.3_linux, as Helm does) and read
// back that way from the registry's tags.
//
// A dirty work tree (modified, staged, deleted or untracked files that
// .gitignore, .git/info/exclude and the user's global excludes file do not
// ignore; the whole work tree counts, not only the directory given) is
// refused with a *DirtyError listing the changes. With
// Options.AllowDirty the tag says so: a build tag gets "-dirty" appended,
// and a release or bumped version gets "dirty" as its pre-release
// (v1.2.3-dirty, v1.2.3-rc.1.dirty), so a dirty tree never yields a
// clean-looking release tag: it sorts below the release, and semver
// ranges skip it as they skip any pre-release. A dirty tag is an ordinary
// tag to the registry, so an immutability rule on v* keeps the first
// v1.2.3-dirty pushed.
//
// Result.Source is the origin remote made fit for a label: an ssh or
// scp-like URL (git@host:org/repo.git) becomes https://host/org/repo,
// credentials, query and fragment are removed from any URL (a CI token in
// the remote never reaches an image), and a local path gives no source.
//
// Result.Version, which Labels puts into org.opencontainers.image.version,
// is the semver version without "v" (with "+" metadata and any "dirty"
// pre-release) for a release or bump, and the tag itself for a build.
// org.opencontainers.image.created is the commit time, not the build
// time, so the same commit gives the same labels.
//
// Validate checks a tag against the OCI grammar and CheckFloating refuses
// tags that move, such as latest; the caller applies both to a tag the
// user gives in place of the computed one.
package release
