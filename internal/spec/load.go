package spec

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Read reads an app spec from in alone: it reads no file and no process
// environment, so the same Input gives the same App on any host and at
// any time. Every problem found is reported at once, as Errors.
func Read(in Input) (*App, error) {
	if in.Name == "" {
		in.Name = "compose.yaml"
	}
	p := &parser{file: in.Name, in: in}
	app := p.parse(in.Data, composer{file: in.Name, dir: in.Dir, env: in.Env})
	if app == nil && len(p.errs) == 0 {
		p.errs = append(p.errs, &Error{File: in.Name, Message: "the spec cannot be loaded"})
	}
	if len(p.errs) > 0 {
		return nil, p.errs.sorted()
	}
	app.File = in.Name
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
	dropped := p.keys()
	dropped = p.selfContained() || dropped
	dropped = p.serviceKeyNames() || dropped
	if dropped {
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
	in   Input
	tree *tree
	errs Errors
	// objects holds the secrets and configs read so far, by
	// "secrets.<name>" or "configs.<name>".
	objects map[string]object
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
