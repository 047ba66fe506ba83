package spec

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalid reports an app spec berth cannot deploy. Every problem Parse
// and Load find in a spec wraps it.
var ErrInvalid = errors.New("invalid app spec")

// Error is one problem in an app spec, placed as precisely as the spec
// allows: Line and Column are 1-based and zero when unknown, Path is the
// dotted key path ("services.web.x-berth.strategy") and empty for the
// file as a whole.
type Error struct {
	File    string
	Line    int
	Column  int
	Path    string
	Message string
}

// Error formats the problem as file:line:column: path: message.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Unwrap returns ErrInvalid.
func (e *Error) Unwrap() error { return ErrInvalid }

// Errors is every problem found in one spec, in the order they appear in
// the file; problems without a line come last.
type Errors []*Error

// Error lists the problems, one a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the problems, so that errors.As finds the first *Error
// and errors.Is finds ErrInvalid.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// sorted returns es in file order without duplicates.
func (es Errors) sorted() Errors {
	out := slices.Clone(es)
	slices.SortStableFunc(out, func(a, b *Error) int {
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	seen := make(map[Error]bool, len(out))
	return slices.DeleteFunc(out, func(e *Error) bool {
		dup := seen[*e]
		seen[*e] = true
		return dup
	})
}

// At places a problem found outside Parse, such as an image the registry
// does not have, at the key path of the spec in data, as Parse would.
func At(name string, data []byte, path []string, msg string) *Error {
	e := &Error{File: name, Path: strings.Join(path, "."), Message: msg}
	if t, err := parseTree(data); err == nil {
		e.Line, e.Column = (&parser{tree: t}).position(path)
	}
	return e
}
