package config

import (
	"bytes"
	"errors"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

// sameDocument reports whether out holds what doc does, with the same
// comments, and means what full means.
func sameDocument(doc *yaml.Node, out, full []byte) bool {
	var got yaml.Node
	if err := yaml.Unmarshal(out, &got); err != nil {
		return false
	}
	want, have := comments(doc, nil), comments(&got, nil)
	slices.Sort(want)
	slices.Sort(have)
	if !slices.Equal(want, have) {
		return false
	}
	var a, b any
	return yaml.Unmarshal(out, &a) == nil && yaml.Unmarshal(full, &b) == nil && reflect.DeepEqual(a, b)
}

// comments collects the comment lines of the tree at n.
func comments(n *yaml.Node, into []string) []string {
	for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
		for _, line := range strings.Split(c, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				into = append(into, line)
			}
		}
	}
	for _, child := range n.Content {
		into = comments(child, into)
	}
	return into
}

// layout is how a file indents: spaces per level, and whether a list's
// "-" sits at its key's column.
type layout struct {
	indent  int
	compact bool
}

// detectLayout reads the layout of the first nested mapping and the
// first list under a key in the given mappings, the first one first.
func detectLayout(mappings ...*yaml.Node) layout {
	l := layout{indent: 2}
	var sawIndent, sawSeq bool
	var walk func(m *yaml.Node)
	walk = func(m *yaml.Node) {
		for i := 0; i+1 < len(m.Content) && !(sawIndent && sawSeq); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			if v.Style&yaml.FlowStyle != 0 || len(v.Content) == 0 || v.Line <= k.Line {
				continue
			}
			switch v.Kind {
			case yaml.MappingNode:
				if d := v.Content[0].Column - k.Column; !sawIndent && d >= 2 && d <= 9 {
					l.indent, sawIndent = d, true
				}
				walk(v)
			case yaml.SequenceNode:
				if !sawSeq {
					l.compact, sawSeq = v.Column == k.Column, true
				}
			}
		}
	}
	for _, m := range mappings {
		walk(m)
	}
	return l
}

func dump(n *yaml.Node, l layout) ([]byte, error) {
	return yaml.Dump(n, yaml.WithIndent(l.indent), yaml.WithCompactSeqIndent(l.compact),
		yaml.WithLineWidth(-1), yaml.WithQuotePreference(yaml.QuoteDouble))
}

// appendSection writes section after everything in data.
func appendSection(data []byte, section *yaml.Node, l layout) ([]byte, error) {
	text, err := dump(section, l)
	if err != nil {
		return nil, err
	}
	out := bytes.TrimRight(data, "\n")
	if len(out) > 0 {
		out = append(out, "\n\n"...)
	}
	return append(out, text...), nil
}

// spliceSection rewrites the lines of section, a top-level key and its
// value: from the key to the last line before the next top-level key
// that is not blank or a comment at the left margin (those belong to the
// next key). The key's head comment, above it, stays as it is.
func spliceSection(data []byte, root, section *yaml.Node, l layout) ([]byte, error) {
	key := section.Content[0]
	lines := splitLines(data)
	start, end := key.Line-1, len(lines)
	if i := slices.Index(root.Content, key); i >= 0 && i+2 < len(root.Content) {
		end = root.Content[i+2].Line - 1
	}
	if start < 0 || end > len(lines) || start >= end {
		return nil, errors.New("cannot find the section")
	}
	for end > start+1 && (strings.TrimSpace(lines[end-1]) == "" || strings.HasPrefix(lines[end-1], "#")) {
		end--
	}
	bare := *key
	bare.HeadComment = ""
	text, err := dump(&yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{&bare, section.Content[1]}}, l)
	if err != nil {
		return nil, err
	}
	out := slices.Concat(lines[:start], keepBlankLines(lines[start:end], splitLines(text)), lines[end:])
	return joinLines(out), nil
}

func splitLines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func joinLines(lines []string) []byte { return []byte(strings.Join(lines, "\n") + "\n") }

// keepBlankLines returns cur with the blank lines of old put back before
// the lines the two share (by a longest common subsequence).
func keepBlankLines(old, cur []string) []string {
	type line struct {
		text   string
		blanks int // blank lines before it
	}
	var kept []line
	blanks := 0
	for _, l := range old {
		if strings.TrimSpace(l) == "" {
			blanks++
			continue
		}
		kept = append(kept, line{strings.TrimRight(l, " \t"), blanks})
		blanks = 0
	}
	n, m := len(kept), len(cur)
	if n*m > 1<<22 {
		return cur
	}
	same := func(i, j int) bool { return kept[i].text == strings.TrimRight(cur[j], " \t") }
	// lcs[i*w+j] is the length of the longest common subsequence of
	// kept[i:] and cur[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			if same(i, j) {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			}
		}
	}
	out := make([]string, 0, m+blanks)
	for i, j := 0, 0; j < m; {
		switch {
		case i < n && same(i, j):
			for range kept[i].blanks {
				out = append(out, "")
			}
			out = append(out, cur[j])
			i, j = i+1, j+1
		case i < n && lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			i++
		default:
			out = append(out, cur[j])
			j++
		}
	}
	return out
}
