package spec

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// shape checks that the file holds a mapping berth can go on with.
func (p *parser) shape() bool {
	empty := true
	for _, d := range p.tree.docs {
		r := deref(root(d))
		if r == nil {
			continue
		}
		if r.Kind != yaml.MappingNode {
			p.errs = append(p.errs, &Error{File: p.file, Line: r.Line, Column: r.Column,
				Message: "the file must be a mapping of keys (name, services...)"})
			return false
		}
		if len(r.Content) > 0 {
			empty = false
		}
		if a := selfAlias(r, map[*yaml.Node]bool{}); a != nil {
			p.errs = append(p.errs, &Error{File: p.file, Line: a.Line, Column: a.Column,
				Message: fmt.Sprintf("*%s is inside the value anchored as &%s: a value cannot contain itself", a.Value, a.Value)})
			return false
		}
	}
	if empty {
		p.errs = append(p.errs, &Error{File: p.file, Message: "the file is empty; an app needs services"})
		return false
	}
	return true
}

// selfAlias returns an alias inside the node it refers to, nil if there
// is none. YAML's own decoder refuses such a value, but compose-go
// expands it until it gives up, which takes seconds.
func selfAlias(n *yaml.Node, open map[*yaml.Node]bool) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		if open[n.Alias] {
			return n
		}
		return nil
	}
	open[n] = true
	defer delete(open, n)
	for _, c := range n.Content {
		if a := selfAlias(c, open); a != nil {
			return a
		}
	}
	return nil
}

// keys reports keys that are not strings (compose-go takes no others)
// and keys written twice in one mapping (which YAML forbids), and drops
// them so that loading can go on. It reports whether it dropped any.
func (p *parser) keys() bool {
	n := len(p.errs)
	seen := map[*yaml.Node]bool{}
	for _, d := range p.tree.docs {
		p.keysIn(root(d), nil, seen)
	}
	return len(p.errs) > n
}

func (p *parser) keysIn(n *yaml.Node, path []string, seen map[*yaml.Node]bool) {
	if n == nil || n.Kind == yaml.AliasNode || seen[n] {
		return
	}
	seen[n] = true
	switch n.Kind {
	case yaml.MappingNode:
		first := map[string]*yaml.Node{}
		kept := n.Content[:0:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			kp := append(slices.Clone(path), k.Value)
			if msg := p.badKey(k, first); msg != "" {
				p.errs = append(p.errs, &Error{File: p.file, Line: k.Line, Column: k.Column,
					Path: strings.Join(kp, "."), Message: msg})
				continue
			}
			kept = append(kept, k, v)
			p.keysIn(v, kp, seen)
		}
		n.Content = kept
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p.keysIn(c, append(slices.Clone(path), strconv.Itoa(i)), seen)
		}
	}
}

// badKey says what is wrong with mapping key k, "" if nothing; first
// holds the keys before it.
func (p *parser) badKey(k *yaml.Node, first map[string]*yaml.Node) string {
	switch {
	case k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge":
		return ""
	case k.Kind != yaml.ScalarNode || k.ShortTag() != "!!str":
		return "a key must be a string; quote it"
	case first[k.Value] != nil:
		return fmt.Sprintf("duplicate key %s (first at line %d)", k.Value, first[k.Value].Line)
	}
	first[k.Value] = k
	return ""
}
