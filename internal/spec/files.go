package spec

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// Where secrets and configs go in the container when their target is
// not absolute, as docker compose places them, and their mode when the
// spec sets none.
const (
	secretsDir  = "/run/secrets/"
	configsDir  = "/"
	defaultMode = 0o444
)

// fileKind is secrets or configs.
type fileKind struct {
	key string // the top-level key
	dir string // where a relative target goes
	one string // how a message names one
}

var (
	secretKind = fileKind{"secrets", secretsDir, "secret"}
	configKind = fileKind{"configs", configsDir, "config"}
)

// files reads a service's secrets and configs into the files placed in
// its containers, sorted by target. Each takes its content from the
// Input: a file the deploying client sent, a variable, or, for a
// config, content written in the spec. A target that a mount already
// has is refused, where docker compose would quietly drop the file.
func (p *parser) files(proj *types.Project, c types.ServiceConfig, mounts []driver.Mount, at func(...string) []string) []driver.File {
	where := map[string][]string{}
	for _, m := range mounts {
		where[m.Target] = nil
	}
	var out []driver.File
	add := func(kind fileKind, i int, ref types.FileReferenceConfig, obj *types.FileObjectConfig) {
		path := at(kind.key, itoa(i))
		if obj == nil {
			p.add(path, "%s %s is not declared under the top-level %s; declare it there", kind.one, ref.Source, kind.key)
			return
		}
		content, ok := p.objectContent(kind, ref.Source, *obj)
		f, fok := p.fileRef(path, kind, ref)
		if !ok || !fok {
			return
		}
		if first, taken := where[f.Target]; taken {
			if first == nil {
				p.add(path, "%s is already mounted by volumes or tmpfs", f.Target)
			} else {
				p.add(path, "%s is already placed by %s", f.Target, strings.Join(first, "."))
			}
			return
		}
		where[f.Target] = path
		f.Content = content
		out = append(out, f)
	}
	for i, s := range c.Secrets {
		var obj *types.FileObjectConfig
		if def, ok := proj.Secrets[s.Source]; ok {
			o := types.FileObjectConfig(def)
			obj = &o
		}
		add(secretKind, i, types.FileReferenceConfig(s), obj)
	}
	for i, s := range c.Configs {
		var obj *types.FileObjectConfig
		if def, ok := proj.Configs[s.Source]; ok {
			o := types.FileObjectConfig(def)
			obj = &o
		}
		add(configKind, i, types.FileReferenceConfig(s), obj)
	}
	slices.SortFunc(out, func(a, b driver.File) int { return cmp.Compare(a.Target, b.Target) })
	return out
}

// fileRef reads where and how a service places a secret or config.
func (p *parser) fileRef(path []string, kind fileKind, ref types.FileReferenceConfig) (driver.File, bool) {
	f := driver.File{Target: ref.Target, UID: ref.UID, GID: ref.GID, Mode: defaultMode, Secret: kind == secretKind}
	switch {
	case f.Target == "":
		f.Target = kind.dir + ref.Source
	case !strings.HasPrefix(f.Target, "/"):
		f.Target = kind.dir + f.Target
	}
	ok := true
	for key, id := range map[string]string{"uid": ref.UID, "gid": ref.GID} {
		if n, err := strconv.ParseUint(id, 10, 32); id != "" && (err != nil || n > 1<<31) {
			p.add(join(path, key), "%q is not a number: the file's owner is set by number", id)
			ok = false
		}
	}
	if ref.Mode != nil {
		if m := int64(*ref.Mode); m < 0 || m > 0o7777 {
			p.add(join(path, "mode"), "%o is not a file mode (write it like 0440)", m)
			ok = false
		} else {
			f.Mode = uint32(m)
		}
	}
	return f, ok
}

// objectContent returns the content of a top-level secret or config,
// reporting its problems once however many services use it. The
// content is never part of a message.
func (p *parser) objectContent(kind fileKind, name string, o types.FileObjectConfig) ([]byte, bool) {
	key := kind.key + "." + name
	if r, ok := p.objects[key]; ok {
		return r.content, r.ok
	}
	content, ok := p.readObject(kind, name, o)
	if p.objects == nil {
		p.objects = map[string]object{}
	}
	p.objects[key] = object{content: content, ok: ok}
	return content, ok
}

// object is a secret or config read once.
type object struct {
	content []byte
	ok      bool
}

func (p *parser) readObject(kind fileKind, name string, o types.FileObjectConfig) ([]byte, bool) {
	at := func(keys ...string) []string { return append([]string{kind.key, name}, keys...) }
	refused := ""
	switch {
	case bool(o.External):
		refused = "external"
	case o.Driver != "":
		refused = "driver"
	case o.TemplateDriver != "":
		refused = "template_driver"
	case len(o.DriverOpts) > 0:
		refused = "driver_opts"
	}
	if refused != "" {
		p.add(at(refused), "not supported: a %s from a %s store is Swarm's; docker compose refuses it on one host too. Give it a file or environment", kind.one, refused)
		return nil, false
	}
	switch {
	case o.Environment != "":
		v, ok := p.in.Env[o.Environment]
		if !ok {
			p.add(at("environment"), "variable %s is not set; berth deploy sends it from the environment or the .env file beside the spec", o.Environment)
		}
		return []byte(v), ok
	case o.File != "":
		content, ok := p.in.Files[o.File]
		if !ok {
			p.add(at("file"), "%s was not found beside the spec; berth deploy sends the files a spec names with it", o.File)
		}
		return content, ok
	case kind == configKind && p.has(at("content")):
		return []byte(o.Content), true
	}
	p.add(at(), "a %s needs a file or an environment variable to take its value from", kind.one)
	return nil, false
}
