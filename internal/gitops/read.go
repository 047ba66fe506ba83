package gitops

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gitsource"
	"github.com/berth-dev/berth/internal/reference"
	"github.com/berth-dev/berth/internal/spec"
)

// desired is an app as a commit of its source says it.
type desired struct {
	name string
	env  string // the environment it runs in, by its file's folder
	file string
	in   spec.Input
	app  *spec.App
	// inputs digests everything the app is read from.
	inputs string
	// images are the service's images resolved, by service.
	images map[string]deploy.ServiceImage
	// problem says why the app cannot apply: file:line: key: message.
	problem string
}

func (d *desired) id() appID { return appID{env: d.env, name: d.name} }

// digests are the app's images by service.
func (d *desired) digests() map[string]string {
	out := make(map[string]string, len(d.images))
	for svc, img := range d.images {
		out[svc] = img.Digest
	}
	return out
}

// commitView is what a commit of a source holds.
type commitView struct {
	apps   map[appID]*desired
	broken map[string]string // file -> why it does not read as an app
	notes  []string
	repos  map[string]bool // image repositories of this registry's form, without host
}

// read reads every app of the source at commit hash.
func (s *source) read(ctx context.Context, repo *gitsource.Repo, hash string) (*commitView, error) {
	files, err := repo.Files(ctx, hash)
	if err != nil {
		return nil, err
	}
	v := &commitView{apps: map[appID]*desired{}, broken: map[string]string{}, repos: map[string]bool{}}
	for _, f := range files {
		if !looksLikeCompose(f.Data) {
			v.notes = append(v.notes, f.Path+": not a Compose file (no services)")
			continue
		}
		d, err := s.readApp(ctx, repo, hash, f)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			v.broken[f.Path] = err.Error()
			continue
		}
		if other, ok := v.apps[d.id()]; ok {
			v.broken[f.Path] = fmt.Sprintf("%s: app %s is already defined by %s; give one of them another name:", f.Path, s.c.label(d.id()), other.file)
			continue
		}
		v.apps[d.id()] = d
		for _, svc := range d.app.Services {
			_, r, _, _ := reference.Split(svc.Image)
			v.repos[r] = true
		}
	}
	return v, nil
}

// looksLikeCompose says whether YAML data is a Compose file: a mapping
// with services. YAML that does not parse counts, so that the spec
// parser says where it is broken.
func looksLikeCompose(data []byte) bool {
	var top map[string]any
	if err := yaml.Unmarshal(data, &top); err != nil {
		return true
	}
	_, ok := top["services"]
	return ok
}

// readApp reads the app of file f at commit hash, with the files it
// refers to from the same commit, and resolves its images.
func (s *source) readApp(ctx context.Context, repo *gitsource.Repo, hash string, f gitsource.File) (*desired, error) {
	dir := path.Dir(f.Path)
	in, err := spec.ReadFrom(f.Path, f.Data, appDir(dir, s.cfg.Name), s.c.opts.Env, func(p string) ([]byte, error) {
		if path.IsAbs(p) || strings.HasPrefix(p, "~") {
			return nil, fmt.Errorf("%s is outside the repository: a file from git is read from the same commit only", p)
		}
		full := path.Clean(path.Join(dir, p))
		if full == ".." || strings.HasPrefix(full, "../") {
			return nil, fmt.Errorf("%s is outside the repository: a file from git is read from the same commit only", p)
		}
		return repo.Read(ctx, hash, full)
	})
	if err != nil {
		return nil, err
	}
	app, err := spec.Read(in)
	if err != nil {
		return nil, err
	}
	d := &desired{name: app.Name, env: s.envOf(f.Path), file: f.Path, in: in, app: app, inputs: inputsDigest(in), images: map[string]deploy.ServiceImage{}}
	for _, svc := range app.Services {
		img, err := s.c.reg.Resolve(ctx, svc.Image)
		if err != nil {
			d.problem = spec.At(f.Path, f.Data, []string{"services", svc.Name, "image"}, fmt.Sprintf("%s: %v", svc.Image, err)).Error()
			break
		}
		d.images[svc.Name] = img
	}
	return d, nil
}

// appDir is the directory a spec names its app after when it has no
// name: its directory in the repository, or the source's name for a
// file at the root.
func appDir(dir, source string) string {
	if dir == "." || dir == "" {
		return source
	}
	return path.Base(dir)
}

// inputsDigest digests what an app is read from.
func inputsDigest(in spec.Input) string {
	h := sha256.New()
	field := func(s string) { fmt.Fprintf(h, "%d:%s", len(s), s) }
	field(in.Name)
	field(string(in.Data))
	for _, k := range slices.Sorted(maps.Keys(in.Env)) {
		field(k)
		field(in.Env[k])
	}
	for _, k := range slices.Sorted(maps.Keys(in.Files)) {
		field(k)
		field(string(in.Files[k]))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// repoOf splits an image reference into its repository, with the host
// if it names one, its tag and its digest.
func repoOf(ref string) (repo, tag, digest string) {
	host, path, tag, digest := reference.Split(ref)
	if host != "" {
		path = host + "/" + path
	}
	return path, tag, digest
}

// isNotExist reports a file missing at a commit.
func isNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }
