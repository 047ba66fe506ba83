package spec

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"
)

// tree is a spec file as YAML nodes. compose-go reports problems by key
// path; the tree turns a path back into a line and column, and can drop
// the node a problem was found at so that loading can go on and find the
// next one.
type tree struct {
	docs []*yaml.Node // document nodes, in file order
}

// maxAliasDepth bounds how many aliases and merge keys are followed in a
// row, so that a crafted file cannot make a lookup loop.
const maxAliasDepth = 32

// place is where a path led in the tree.
type place struct {
	node  *yaml.Node // the key of a mapping entry, the item of a sequence
	value *yaml.Node // the value of a mapping entry, the item of a sequence
	depth int        // how many path segments matched
	owner *yaml.Node // the mapping or sequence holding node; nil for a root
	index int        // node's index in owner.Content
}

// parseTree reads every YAML document in data.
func parseTree(data []byte) (*tree, *Error) {
	t := &tree{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, yamlError(err, data)
		}
		t.docs = append(t.docs, &doc)
	}
}

// root returns the top-level node of doc, nil for an empty document.
func root(doc *yaml.Node) *yaml.Node {
	if len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

// deref follows aliases.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxAliasDepth; i++ {
		n = n.Alias
	}
	return n
}

// entry is one key and value of a mapping, and where the key sits.
type entry struct {
	key, val *yaml.Node
	owner    *yaml.Node
	index    int
}

// entries lists a mapping's keys with merge keys ("<<") expanded, in
// the order of precedence: m's own keys last, as they override merged
// ones, and of several merged mappings the first last. Each mapping is
// visited once, so that merges of merges cannot blow up.
func entries(m *yaml.Node, seen map[*yaml.Node]bool) []entry {
	m = deref(m)
	if m == nil || m.Kind != yaml.MappingNode || seen[m] {
		return nil
	}
	seen[m] = true
	var merged, own []entry
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Value != "<<" || k.Tag != "!!merge" {
			own = append(own, entry{key: k, val: v, owner: m, index: i})
			continue
		}
		if v = deref(v); v != nil && v.Kind == yaml.SequenceNode {
			for j := len(v.Content) - 1; j >= 0; j-- {
				merged = append(merged, entries(v.Content[j], seen)...)
			}
		} else {
			merged = append(merged, entries(v, seen)...)
		}
	}
	return append(merged, own...)
}

// lookup returns the value of key in mapping m, the last one if the key
// is repeated.
func lookup(m *yaml.Node, key string) (entry, bool) {
	es := entries(m, map[*yaml.Node]bool{})
	for i := len(es) - 1; i >= 0; i-- {
		if es[i].key.Value == key {
			return es[i], true
		}
	}
	return entry{}, false
}

// find follows path from the root of the last document that holds it
// furthest. A mapping key may itself hold dots ("com.example.label"), so
// the longest key that matches wins.
func (t *tree) find(path []string) place {
	var best place
	for i := len(t.docs) - 1; i >= 0; i-- {
		r := root(t.docs[i])
		if r == nil {
			continue
		}
		p := walk(place{node: r}, deref(r), path)
		if best.node == nil || p.depth > best.depth {
			best = p
		}
	}
	return best
}

// walk descends from n, which at is the position of, along path.
func walk(at place, n *yaml.Node, path []string) place {
	for at.depth < len(path) && n != nil {
		rest := path[at.depth:]
		switch n.Kind {
		case yaml.MappingNode:
			found := false
			for j := len(rest); j > 0 && !found; j-- {
				if e, ok := lookup(n, strings.Join(rest[:j], ".")); ok {
					at = place{node: e.key, value: deref(e.val), depth: at.depth + j, owner: e.owner, index: e.index}
					n, found = deref(e.val), true
				}
			}
			if !found {
				return at
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(rest[0])
			if err != nil || i < 0 || i >= len(n.Content) {
				return at
			}
			seq := n
			n = deref(seq.Content[i])
			at = place{node: seq.Content[i], value: n, depth: at.depth + 1, owner: seq, index: i}
		default:
			return at
		}
	}
	return at
}

// remove drops the entry or item at p from its owner.
func (t *tree) remove(p place) bool {
	o := p.owner
	switch {
	case o == nil:
		return false
	case o.Kind == yaml.MappingNode && p.index+1 < len(o.Content):
		o.Content = append(o.Content[:p.index:p.index], o.Content[p.index+2:]...)
	case o.Kind == yaml.SequenceNode && p.index < len(o.Content):
		o.Content = append(o.Content[:p.index:p.index], o.Content[p.index+1:]...)
	default:
		return false
	}
	return true
}

// encode writes the tree back as YAML.
func (t *tree) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	for _, d := range t.docs {
		if err := enc.Encode(d); err != nil {
			return nil, fmt.Errorf("encoding spec: %w", err)
		}
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encoding spec: %w", err)
	}
	return b.Bytes(), nil
}

// search returns the path of the first scalar in the file, in file
// order, whose value match accepts; nil if none does.
func (t *tree) search(match func(string) bool) []string {
	for _, d := range t.docs {
		if path, ok := searchIn(root(d), nil, match); ok {
			return path
		}
	}
	return nil
}

func searchIn(n *yaml.Node, path []string, match func(string) bool) ([]string, bool) {
	if n == nil {
		return nil, false
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return path, match(n.Value)
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			if p, ok := searchIn(n.Content[i+1], append(slices.Clone(path), n.Content[i].Value), match); ok {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			if p, ok := searchIn(c, append(slices.Clone(path), strconv.Itoa(i)), match); ok {
				return p, true
			}
		}
	}
	return nil, false
}
