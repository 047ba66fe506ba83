package spec

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// maxAttempts bounds how many times one spec is loaded while problems
// are collected, each attempt after dropping what the last one refused.
const maxAttempts = 64

// composer loads a spec with compose-go.
type composer struct {
	file string            // the name compose-go knows the file by
	dir  string            // names the app when the file does not
	env  map[string]string // for interpolation
}

// load runs compose-go's loader over data. With check, it also runs
// compose-go's consistency checks (references to undefined networks,
// volumes, secrets and services), which berth otherwise replaces with
// its own.
func (c composer) load(ctx context.Context, data []byte, check bool) (proj *types.Project, err error) {
	defer func() {
		// compose-go is not fuzzed against arbitrary input; a panic in
		// it is still a spec it cannot read, not a reason to crash.
		if r := recover(); r != nil {
			proj, err = nil, fmt.Errorf("compose loader failed: %v", r)
		}
	}()
	env := make(types.Mapping, len(c.env))
	for k, v := range c.env {
		env[k] = v
	}
	if data == nil {
		data = []byte{} // compose-go reads the file from disk when it has no content
	}
	details := types.ConfigDetails{
		ConfigFiles: []types.ConfigFile{{Filename: c.file, Content: data}},
		Environment: env,
	}
	name := ""
	if c.dir != "" {
		name = loader.NormalizeProjectName(filepath.Base(c.dir))
	}
	return loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName(name, false)
		o.SkipConsistencyCheck = !check
		// env_file and label_file are read from the spec's Input, not
		// from the disk of the host that reads the spec.
		o.SkipResolveEnvironment = true
		o.SkipResolveLabels = true
		// Paths stay as written: there is no directory to resolve them
		// against on the host that reads the spec.
		o.ResolvePaths = false
		// An unset variable reads as "", as in Compose, without a line
		// on the process's standard error.
		o.Interpolate.Substitute = func(s string, m template.Mapping) (string, error) {
			return template.SubstituteWithOptions(s, m, template.WithoutLogging)
		}
	})
}

// compose loads the spec, collecting compose-go's problems: after each
// one, the key it names is dropped and loading starts over, so that one
// Parse reports as many problems as it can. It returns the project once
// a load succeeds, nil when a problem cannot be placed.
func (p *parser) compose(ctx context.Context, c composer, data []byte) *types.Project {
	for attempt := 1; ; attempt++ {
		proj, err := c.load(ctx, data, false)
		if err == nil {
			return proj
		}
		dropped := false
		for _, f := range p.findings(err, c.file) {
			if p.followsFromDropped(f.path) {
				continue
			}
			p.report(f)
			if path := p.drop(f.path); path != nil {
				p.dropped = append(p.dropped, path)
				dropped = true
			}
		}
		if !dropped || attempt == maxAttempts {
			return nil
		}
		if data, err = p.tree.encode(); err != nil {
			p.errs = append(p.errs, &Error{File: p.file, Message: err.Error()})
			return nil
		}
	}
}

// drop removes the key at path, or the list holding it, so that the
// next item is not reported under the same path; it returns the path
// dropped, nil if nothing was.
func (p *parser) drop(path []string) []string {
	pl := p.tree.find(path)
	if pl.owner != nil && pl.owner.Kind == yaml.SequenceNode && pl.depth > 1 {
		pl = p.tree.find(path[:pl.depth-1])
	}
	if pl.depth == 0 || !p.tree.remove(pl) {
		return nil
	}
	return path[:pl.depth]
}

// followsFromDropped reports whether a problem at path may be the result
// of dropping a key: one at the key itself, above it or below it. A
// problem without a path may be anything, so it counts too.
func (p *parser) followsFromDropped(path []string) bool {
	for _, d := range p.dropped {
		if related(d, path) {
			return true
		}
	}
	return false
}

// consistent runs compose-go's consistency checks, once everything else
// has passed.
func (p *parser) consistent(ctx context.Context, c composer, data []byte) {
	if _, err := c.load(ctx, data, true); err != nil {
		for _, f := range p.findings(err, c.file) {
			p.report(f)
		}
	}
}

// report adds a finding as a problem.
func (p *parser) report(f finding) {
	if len(f.path) == 0 {
		p.errs = append(p.errs, &Error{File: p.file, Line: f.line, Column: f.column, Message: f.msg})
		return
	}
	p.place(f.path, f.msg)
}
