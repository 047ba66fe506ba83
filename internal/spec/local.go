package spec

import (
	"strings"

	"go.yaml.in/yaml/v4"
)

// selfContained refuses the keys that would make compose-go read other
// files: include, extends from another file, env_file and label_file. A
// spec is read from its own bytes and the variables given, nothing else,
// so that the server deploying it, which has neither the deployer's
// files nor its directory, and a rollback months later read it the same
// way. The keys are dropped so that loading can go on; it reports
// whether any was.
func (p *parser) selfContained() bool {
	n := len(p.errs)
	for _, d := range p.tree.docs {
		r := root(d)
		if e, ok := lookup(r, "include"); ok {
			p.refuse(e, []string{"include"}, "include is not supported: berth deploys one file")
		}
		services, ok := lookup(r, "services")
		if !ok {
			continue
		}
		for _, svc := range entries(services.val, map[*yaml.Node]bool{}) {
			at := func(keys ...string) []string { return append([]string{"services", svc.key.Value}, keys...) }
			for _, key := range []string{"env_file", "label_file"} {
				if e, ok := lookup(svc.val, key); ok {
					p.refuse(e, at(key), key+" is not supported: berth reads the spec alone; write the values in the spec, or as ${VAR}")
				}
			}
			if ext, ok := lookup(svc.val, "extends"); ok {
				if e, ok := lookup(ext.val, "file"); ok {
					p.refuse(e, at("extends", "file"), "extends from another file is not supported: berth deploys one file")
				}
			}
		}
	}
	return len(p.errs) > n
}

// refuse reports the entry e at path and drops it.
func (p *parser) refuse(e entry, path []string, msg string) {
	p.errs = append(p.errs, &Error{File: p.file, Line: e.key.Line, Column: e.key.Column, Path: strings.Join(path, "."), Message: msg})
	p.tree.remove(place{node: e.key, owner: e.owner, index: e.index})
	p.dropped = append(p.dropped, path)
}
