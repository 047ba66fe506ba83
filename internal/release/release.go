package release

import (
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

// Kinds of tag, in Result.Kind: which rule gave it.
const (
	KindBump    = "bump"    // Options.Bump over the registry's versions
	KindRelease = "release" // a release tag on HEAD
	KindBuild   = "build"   // Options.Format
	KindReused  = "reused"  // Options.Bump, finding HEAD published before
)

// ReuseDepth is how many of the registry's highest release versions a
// bump looks through for one of HEAD: a retried publish finds its
// version at the top.
const ReuseDepth = 10

// ShortLength is the length of Result.ShortCommit and {shortsha}: git's
// default abbreviation.
const ShortLength = 7

// Options steer Compute.
type Options struct {
	// Format is the tag of a commit without a release tag; "" means
	// DefaultFormat.
	Format string
	// Bump is "" or patch, minor or major: increment the highest release
	// version among the registry's tags instead of reading git tags.
	Bump string
	// RevisionOf, for a bump, reads the commit a registry tag was built
	// from (its image's revision label; "" when it has none). A bump
	// first looks through the ReuseDepth highest release versions for
	// one built from HEAD and gives HEAD that version again, so that
	// publishing a commit twice does not bump twice. Nil looks at none.
	RevisionOf func(tag string) (string, error)
	// AllowDirty publishes a dirty work tree, with a tag that says so.
	AllowDirty bool
	// Env looks up environment variables: the CI variables that name the
	// branch of a detached HEAD, and HOME and XDG_CONFIG_HOME to find the
	// global excludes file. Nil is an empty environment; pass os.Getenv.
	Env func(string) string
}

// Result is a commit's tag and provenance.
type Result struct {
	Tag         string    // the image tag
	Version     string    // semver without "v" for a release or bump; else Tag
	Commit      string    // HEAD's full commit hash
	ShortCommit string    // its first ShortLength hex digits
	Branch      string    // HEAD's branch, or CI's for a detached HEAD; may be ""
	Source      string    // the origin remote as an https URL without credentials; may be ""
	Created     time.Time // the commit time, UTC
	Dirty       bool      // the work tree has uncommitted changes
	Kind        string    // KindBump, KindReused, KindRelease or KindBuild
}

// Compute reads the git repository whose work tree holds dir and returns
// the tag and provenance of its HEAD. existing are the tags the registry
// repository already has; only Options.Bump reads them.
func Compute(dir string, opts Options, existing []string) (Result, error) {
	env := opts.Env
	if env == nil {
		env = func(string) string { return "" }
	}
	if opts.Bump != "" && opts.Bump != "patch" && opts.Bump != "minor" && opts.Bump != "major" {
		return Result{}, fmt.Errorf("%w %q: want patch, minor or major", ErrBump, opts.Bump)
	}
	if opts.Format == "" {
		opts.Format = DefaultFormat
	}
	f, err := parseFormat(opts.Format)
	if err != nil {
		return Result{}, err
	}
	repo, err := open(dir)
	if err != nil {
		return Result{}, err
	}
	r, err := provenance(repo, env, opts.AllowDirty)
	if err != nil {
		return Result{}, err
	}
	if opts.Bump != "" {
		if v, ok, err := publishedBefore(r, existing, opts.RevisionOf); err != nil || ok {
			if err != nil {
				return Result{}, err
			}
			return r.versioned(v, KindReused)
		}
		v, err := bump(existing, opts.Bump)
		if err != nil {
			return Result{}, err
		}
		return r.versioned(v, KindBump)
	}
	tags, err := tagsByCommit(repo)
	if err != nil {
		return Result{}, err
	}
	head := plumbing.NewHash(r.Commit)
	v, ok, err := releaseTag(tags[head])
	if err != nil {
		return Result{}, fmt.Errorf("reading the tags on HEAD: %w; fix or delete that tag, or give the image tag with --tag", err)
	}
	if ok {
		return r.versioned(v, KindRelease)
	}
	return r.build(f, opts.Format, func() (version, bool, error) { return nearestVersion(repo, head, tags) })
}

// provenance reads HEAD and the work tree, refusing a dirty one unless
// allowed.
func provenance(repo *git.Repository, env func(string) string, allowDirty bool) (Result, error) {
	commit, branch, err := head(repo)
	if err != nil {
		return Result{}, err
	}
	if branch == "" {
		branch = ciBranch(env)
	}
	r := Result{
		Commit:  commit.Hash.String(),
		Branch:  branch,
		Created: commit.Committer.When.UTC(),
	}
	r.ShortCommit = r.Commit[:ShortLength]
	if r.Source, err = originURL(repo); err != nil {
		return Result{}, err
	}
	dirty, err := changes(repo, env)
	if err != nil {
		return Result{}, err
	}
	r.Dirty = len(dirty) > 0
	if r.Dirty && !allowDirty {
		return Result{}, &DirtyError{Changes: dirty}
	}
	return r, nil
}

// versioned is r tagged with the version v.
func (r Result) versioned(v version, kind string) (Result, error) {
	if r.Dirty {
		v = v.dirty()
	}
	r.Tag, r.Version, r.Kind = v.tag(), v.sv.String(), kind
	if err := Validate(r.Tag); err != nil {
		return Result{}, fmt.Errorf("tagging version %s: %w", r.Version, err)
	}
	return r, nil
}

// build is r tagged by the format f (spelt src); nearest finds {version}.
func (r Result) build(f format, src string, nearest func() (version, bool, error)) (Result, error) {
	tag, err := f.render(func(name string) (string, error) {
		switch name {
		case "sha":
			return r.Commit, nil
		case "shortsha":
			return r.ShortCommit, nil
		case "branch":
			if r.Branch == "" {
				return "", fmt.Errorf("%w %q: {branch} is empty: HEAD is detached and no CI variable "+
					"(GITHUB_REF_NAME, CI_COMMIT_REF_NAME, BRANCH_NAME) names the branch", ErrFormat, src)
			}
			return sanitize(r.Branch), nil
		case "version":
			v, ok, err := nearest()
			if err != nil || !ok {
				return "0.0.0", err
			}
			return strings.Replace(v.sv.String(), "+", "_", 1), nil
		case "date":
			return r.Created.Format("20060102"), nil
		case "time":
			return r.Created.Format("20060102150405"), nil
		}
		return "", fmt.Errorf("%w %q: unknown placeholder {%s}", ErrFormat, src, name)
	})
	if err != nil {
		return Result{}, err
	}
	if r.Dirty {
		tag += "-dirty"
	}
	if err := Validate(tag); err != nil {
		return Result{}, fmt.Errorf("%w %q gives the tag %q: %w", ErrFormat, src, tag, err)
	}
	r.Tag, r.Version, r.Kind = tag, tag, KindBuild
	return r, nil
}
