package spec

import (
	"strings"

	"go.yaml.in/yaml/v4"
)

// selfContained refuses the keys that would make compose-go read other
// Compose files: include and extends from another file. A spec is read
// from its Input alone, so that the server deploying it, which has
// neither the deployer's files nor its directory, and a rollback months
// later read it the same way; the files a spec refers to for values
// (env_file, secrets...) travel in the Input. The keys are dropped so
// that loading can go on; it reports whether any was.
func (p *parser) selfContained() bool {
	n := len(p.errs)
	for _, d := range p.tree.docs {
		r := root(d)
		if e, ok := lookup(r, "include"); ok {
			p.refuse(e, []string{"include"}, "include is not supported: berth deploys one file")
		}
		p.eachService(r, func(name string, svc *yaml.Node) {
			if ext, ok := lookup(svc, "extends"); ok {
				if e, ok := lookup(ext.val, "file"); ok {
					p.refuse(e, []string{"services", name, "extends", "file"}, "extends from another file is not supported: berth deploys one file")
				}
			}
		})
	}
	return len(p.errs) > n
}

// eachService calls f with each service of the document whose root is
// r, merge keys expanded.
func (p *parser) eachService(r *yaml.Node, f func(name string, svc *yaml.Node)) {
	services, ok := lookup(r, "services")
	if !ok {
		return
	}
	for _, svc := range entries(services.val, map[*yaml.Node]bool{}) {
		f(svc.key.Value, svc.val)
	}
}

// refuse reports the entry e at path and drops it.
func (p *parser) refuse(e entry, path []string, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Line: e.key.Line, Column: e.key.Column, Path: strings.Join(path, "."), Message: msg})
	p.tree.remove(place{node: e.key, owner: e.owner, index: e.index})
	p.dropped = append(p.dropped, path)
}
