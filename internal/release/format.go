package release

import (
	"fmt"
	"slices"
	"strings"
)

// DefaultFormat is the tag of a commit without a release tag: "build-"
// and the full commit hash.
const DefaultFormat = "build-{sha}"

// placeholders are the names a format may use, in the order error
// messages list them.
var placeholders = []string{"sha", "shortsha", "branch", "version", "date", "time"}

// segment is a literal or, when name is set, a placeholder.
type segment struct {
	literal string
	name    string
}

// format is a parsed tag format.
type format []segment

// parseFormat parses a tag format such as "{branch}-{shortsha}". It must
// name the commit with {sha} or {shortsha}.
func parseFormat(s string) (format, error) {
	var f format
	rest := s
	for rest != "" {
		open := strings.IndexAny(rest, "{}")
		if open < 0 {
			f = append(f, segment{literal: rest})
			break
		}
		if open > 0 {
			f = append(f, segment{literal: rest[:open]})
		}
		offset := len(s) - len(rest) + open
		if rest[open] == '}' {
			return nil, fmt.Errorf("%w %q: \"}\" at offset %d closes no \"{\"", ErrFormat, s, offset)
		}
		end := strings.IndexAny(rest[open+1:], "{}")
		if end < 0 || rest[open+1+end] == '{' {
			return nil, fmt.Errorf("%w %q: \"{\" at offset %d is not closed", ErrFormat, s, offset)
		}
		name := rest[open+1 : open+1+end]
		if !slices.Contains(placeholders, name) {
			return nil, fmt.Errorf("%w %q: unknown placeholder {%s}; want one of {%s}", ErrFormat, s, name, strings.Join(placeholders, "} {"))
		}
		f = append(f, segment{name: name})
		rest = rest[open+1+end+1:]
	}
	if !f.uses("sha") && !f.uses("shortsha") {
		return nil, fmt.Errorf("%w %q: it must contain {sha} or {shortsha}, or every commit would not get a tag of its own", ErrFormat, s)
	}
	return f, nil
}

// uses reports whether f has the placeholder name.
func (f format) uses(name string) bool {
	return slices.ContainsFunc(f, func(s segment) bool { return s.name == name })
}

// render fills f's placeholders with value's answers.
func (f format) render(value func(name string) (string, error)) (string, error) {
	var b strings.Builder
	for _, s := range f {
		if s.name == "" {
			b.WriteString(s.literal)
			continue
		}
		v, err := value(s.name)
		if err != nil {
			return "", err
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// sanitize makes s fit the tag grammar: each run of characters outside
// [A-Za-z0-9._-] becomes one "-".
func sanitize(s string) string {
	var b strings.Builder
	replaced := false
	for _, r := range s {
		if r < 0x80 && tagChar(byte(r)) {
			b.WriteRune(r)
			replaced = false
			continue
		}
		if !replaced {
			b.WriteByte('-')
			replaced = true
		}
	}
	return b.String()
}

// tagChar reports whether c may appear in a tag.
func tagChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}
