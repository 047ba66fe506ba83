package spec

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Load reads the app spec at path, with ${VAR} taken from the process's
// environment and, for what that does not set, from a .env file beside
// the spec, as Compose does. The spec's directory names the app when the
// file does not. A missing or unreadable file is an error naming it;
// problems in the spec are Errors.
func Load(path string) (*App, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading app spec: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("reading app spec: %w", err)
	}
	env, err := environment(filepath.Dir(abs))
	if err != nil {
		return nil, err
	}
	return Parse(path, data, filepath.Dir(abs), env)
}

// Parse reads an app spec from data alone: it reads no file and no
// process environment, so the same arguments give the same App on any
// host and at any time. name is the file problems are reported against
// and App.File ("compose.yaml" if empty); dir is the directory the file
// came from, a path or just its name, which names the app when the file
// does not ("" for none); env holds the variables ${VAR} is read from.
// Every problem found is reported at once, as Errors.
func Parse(name string, data []byte, dir string, env map[string]string) (*App, error) {
	if name == "" {
		name = "compose.yaml"
	}
	p := &parser{file: name}
	app := p.parse(data, composer{file: name, dir: dir, env: env})
	if app == nil && len(p.errs) == 0 {
		p.errs = append(p.errs, &Error{File: name, Message: "the spec cannot be loaded"})
	}
	if len(p.errs) > 0 {
		return nil, p.errs.sorted()
	}
	app.File = name
	app.Hash = hash(app)
	return app, nil
}

// parse reads data into an App, nil if it cannot get that far.
func (p *parser) parse(data []byte, c composer) *App {
	t, yerr := parseTree(data)
	if yerr != nil {
		yerr.File = p.file
		p.errs = append(p.errs, yerr)
		return nil
	}
	p.tree = t
	if !p.shape() {
		return nil
	}
	if p.keys() || p.selfContained() {
		var err error
		if data, err = p.tree.encode(); err != nil {
			p.errs = append(p.errs, &Error{File: p.file, Message: err.Error()})
			return nil
		}
	}
	ctx := context.Background()
	proj := p.compose(ctx, c, data)
	if proj == nil {
		return nil
	}
	app := p.app(proj)
	if len(p.errs) == 0 {
		p.consistent(ctx, c, data)
	}
	return app
}

// parser collects the problems of one spec.
type parser struct {
	file string
	tree *tree
	errs Errors
	// dropped holds the keys compose-go refused and that were dropped
	// to load the rest. Later problems at them, their parents or their
	// children are left out: those keys are now missing or incomplete
	// for a reason already reported.
	dropped [][]string
}

// add reports a problem berth's own checks found at path.
func (p *parser) add(path []string, format string, args ...any) {
	if !p.followsFromDropped(path) {
		p.place(path, fmt.Sprintf(format, args...))
	}
}

// place reports a problem at path, placed at the deepest key of path the
// file has.
func (p *parser) place(path []string, msg string) {
	e := &Error{File: p.file, Path: strings.Join(path, "."), Message: msg}
	e.Line, e.Column = p.position(path)
	p.errs = append(p.errs, e)
}

// position returns the line and column of the deepest key of path the
// file has, zeros if it has none.
func (p *parser) position(path []string) (line, column int) {
	if pl := p.tree.find(path); pl.depth > 0 && pl.node != nil {
		return pl.node.Line, pl.node.Column
	}
	return 0, 0
}

// related reports whether one of a and b is a prefix of the other.
func related(a, b []string) bool {
	n := min(len(a), len(b))
	return slices.Equal(a[:n], b[:n])
}

// has reports whether the file sets the key at path.
func (p *parser) has(path []string) bool {
	return p.tree.find(path).depth == len(path)
}
