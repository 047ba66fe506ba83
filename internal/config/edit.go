package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v4"

	"github.com/berth-dev/berth/internal/atomicfile"
)

// ErrAccountExists reports an account name the config already has.
var ErrAccountExists = errors.New("account already exists")

// AddUser adds u to auth.users in the config file at path, or, with
// replace, puts it in place of the user of the same name. See
// addAccount.
func AddUser(path string, u User, replace bool) error {
	return addAccount(path, "users", u.Name, u, replace)
}

// AddRobot adds r to auth.robots in the config file at path, or, with
// replace, puts it in place of the robot of the same name.
func AddRobot(path string, r Robot, replace bool) error {
	return addAccount(path, "robots", r.Name, r, replace)
}

// addAccount edits the file at path as editFile does, with acct in
// auth.<kind>.
func addAccount(path, kind, name string, acct any, replace bool) error {
	return editFile(path, func(data []byte) ([]byte, error) {
		return upsertAccount(data, kind, name, acct, replace)
	})
}

// editFile edits the file at path with edit, or writes a new one from
// Template (mode 0600) when there is none. edit rewrites only the
// section it changes; every other byte, comment and blank line stays as
// it was. The result must be a configuration Validate accepts, and it
// replaces the file atomically with the file's mode kept.
func editFile(path string, edit func(data []byte) ([]byte, error)) error {
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved
	}
	data, err := os.ReadFile(path)
	mode := fs.FileMode(0o600)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		data = []byte(Template)
	case err != nil:
		return fmt.Errorf("reading config: %w", err)
	default:
		if fi, err := os.Stat(path); err == nil {
			mode = fi.Mode().Perm()
		}
	}
	out, err := edit(data)
	if err != nil {
		return fmt.Errorf("editing config %s: %w", path, err)
	}
	cfg := Default()
	dec := yaml.NewDecoder(bytes.NewReader(out))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("editing config %s: %w", path, err)
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("editing config %s: the result would not be valid: %w", path, err)
	}
	if err := atomicfile.Write(path, out, mode); err != nil {
		return fmt.Errorf("writing config: %w", err)
	}
	return nil
}

// upsertAccount returns data with acct in auth.<kind>.
func upsertAccount(data []byte, kind, name string, acct any, replace bool) ([]byte, error) {
	doc, err := parseDocument(data)
	if err != nil {
		return nil, err
	}
	root := doc.Content[0]
	empty := len(root.Content) == 0 // at most comments, which the tree may not hold
	authKey, auth := lookup(root, "auth")
	added := auth == nil
	if added {
		authKey, auth = &yaml.Node{Kind: yaml.ScalarNode, Value: "auth"}, &yaml.Node{Kind: yaml.MappingNode}
		root.Content = append(root.Content, authKey, auth)
	}
	if err := asCollection(auth, yaml.MappingNode, "auth"); err != nil {
		return nil, err
	}
	other := map[string]string{"users": "robots", "robots": "users"}[kind]
	if _, seq := lookup(auth, other); seq != nil && findAccount(seq, name) >= 0 {
		return nil, fmt.Errorf("%w: %q is one of auth.%s", ErrAccountExists, name, other)
	}
	_, seq := lookup(auth, kind)
	if seq == nil {
		seq = &yaml.Node{Kind: yaml.SequenceNode}
		auth.Content = append(auth.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: kind}, seq)
	}
	if err := asCollection(seq, yaml.SequenceNode, "auth."+kind); err != nil {
		return nil, err
	}
	item, err := accountNode(acct)
	if err != nil {
		return nil, err
	}
	switch i := findAccount(seq, name); {
	case i < 0:
		seq.Content = append(seq.Content, item)
	case !replace:
		return nil, fmt.Errorf("%w: %q is in auth.%s", ErrAccountExists, name, kind)
	default:
		item.HeadComment, item.LineComment = seq.Content[i].HeadComment, seq.Content[i].LineComment
		seq.Content[i] = item
	}
	seq.Style &^= yaml.FlowStyle
	auth.Style &^= yaml.FlowStyle
	return renderEdit(data, doc, authKey, auth, added, empty)
}

// renderEdit returns data with the top-level section key: value of doc,
// which was changed (or, if added, appended), written again: the lines
// of that section spliced in, or the whole document rendered again when
// a splice cannot say the same. empty says the file held no keys.
func renderEdit(data []byte, doc, key, value *yaml.Node, added, empty bool) ([]byte, error) {
	root := doc.Content[0]
	// The whole document, rendered again: what a splice must mean, and
	// the answer when one cannot be made.
	full, err := dump(doc, detectLayout(root))
	if err != nil {
		return nil, fmt.Errorf("rendering: %w", err)
	}
	full = joinLines(keepBlankLines(splitLines(data), splitLines(full)))
	if root.Style&yaml.FlowStyle != 0 {
		return full, nil
	}
	section := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{key, value}}
	var out []byte
	if added {
		out, err = appendSection(data, section, detectLayout(section, root))
	} else {
		out, err = spliceSection(data, root, section, detectLayout(section, root))
	}
	if err != nil || !empty && !sameDocument(doc, out, full) {
		return full, nil
	}
	return out, nil
}

// parseDocument parses data, which must hold at most one document with
// a mapping at the top. An empty file is an empty mapping.
func parseDocument(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parsing: %w", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		return nil, errors.New("the file holds more than one YAML document")
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		doc = yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{{Kind: yaml.MappingNode}}}
	}
	if doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("the top of the file is not a mapping")
	}
	return &doc, nil
}

// lookup returns the key and value nodes of key in mapping m.
func lookup(m *yaml.Node, key string) (*yaml.Node, *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

// asCollection makes an empty value (`auth:`) a collection of kind, and
// refuses any other value that is not one.
func asCollection(n *yaml.Node, kind yaml.Kind, where string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		*n = yaml.Node{Kind: kind, LineComment: n.LineComment, HeadComment: n.HeadComment, FootComment: n.FootComment}
	}
	if n.Kind != kind {
		return fmt.Errorf("%s is not a %s", where, map[yaml.Kind]string{yaml.MappingNode: "mapping", yaml.SequenceNode: "list"}[kind])
	}
	return nil
}

func findAccount(seq *yaml.Node, name string) int {
	return slices.IndexFunc(seq.Content, func(item *yaml.Node) bool {
		if item.Kind != yaml.MappingNode {
			return false
		}
		_, v := lookup(item, "name")
		return v != nil && v.Value == name
	})
}

// accountNode renders acct without its empty fields, actions as [a, b].
func accountNode(acct any) (*yaml.Node, error) {
	var n yaml.Node
	if err := n.Dump(acct, yaml.WithQuotePreference(yaml.QuoteDouble)); err != nil {
		return nil, err
	}
	var kept []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "admin" && v.Value == "false" || k.Value == "access" && len(v.Content) == 0 {
			continue
		}
		if k.Value == "access" {
			for _, g := range v.Content {
				if _, actions := lookup(g, "actions"); actions != nil {
					actions.Style = yaml.FlowStyle
				}
			}
		}
		kept = append(kept, k, v)
	}
	n.Content = kept
	return &n, nil
}
