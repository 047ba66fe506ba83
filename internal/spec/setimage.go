package spec

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/distribution/reference"
	"go.yaml.in/yaml/v4"
)

// ErrNotEditable reports a service image that SetImage cannot edit in
// place. Each *EditError wraps it.
var ErrNotEditable = errors.New("image cannot be edited in place")

// EditError says why the image of a service cannot be edited in place.
type EditError struct {
	Service string
	Line    int // of the image's value; 0 when the file has none
	Reason  string
}

// Error names the service, the line and the reason.
func (e *EditError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("editing the image of service %s at line %d: %s", e.Service, e.Line, e.Reason)
	}
	return fmt.Sprintf("editing the image of service %s: %s", e.Service, e.Reason)
}

// Unwrap returns ErrNotEditable.
func (e *EditError) Unwrap() error { return ErrNotEditable }

// SetImage returns data with the image of service set to image, the rest
// of the file byte for byte as it was: comments, key order, quoting style
// where possible, blank lines. The service must exist and have an image
// key written as a plain or quoted scalar (not an anchor, alias or a
// ${VAR} interpolation: those give an error saying why it cannot be
// edited automatically).
//
// The image edited is the one that counts: of a file with several YAML
// documents, which Compose merges, the last that sets it. The new value
// is quoted as the old one was, and double-quoted when a plain value
// would not read back as the same string. The result is checked before
// it is returned: its YAML must be the same as data's but for that one
// value, and when data parses (Parse, with no variables and no files),
// so must the result, to the same App but for that service's Image.
func SetImage(data []byte, service, image string) ([]byte, error) {
	if _, err := reference.ParseNormalizedNamed(image); err != nil || strings.Contains(image, "$") {
		return nil, fmt.Errorf("setting the image of service %s: %q is not an image reference", service, image)
	}
	if bytes.HasPrefix(data, []byte("\xff\xfe")) || bytes.HasPrefix(data, []byte("\xfe\xff")) {
		return nil, &EditError{Service: service, Reason: "the file is UTF-16; berth edits UTF-8 files"}
	}
	t, yerr := parseTree(data)
	if yerr != nil {
		return nil, fmt.Errorf("setting the image of service %s: %w", service, yerr)
	}
	n, eerr := imageScalar(t, service)
	if eerr != nil {
		return nil, eerr
	}
	start, end, ok := span(data, n)
	if !ok {
		return nil, &EditError{Service: service, Line: n.Line, Reason: "its text is not where the YAML parser placed it"}
	}
	out := make([]byte, 0, len(data)-(end-start)+len(image)+2)
	out = append(out, data[:start]...)
	out = append(out, scalarText(n.Style, image)...)
	out = append(out, data[end:]...)
	if err := checkEdit(data, out, t, n, service, image); err != nil {
		return nil, &EditError{Service: service, Line: n.Line, Reason: err.Error()}
	}
	return out, nil
}

// imageScalar finds the node SetImage edits: the value of the image key
// of service's own mapping, in the last document that sets one, or says
// why that cannot be edited in place.
func imageScalar(t *tree, service string) (*yaml.Node, *EditError) {
	fail := func(n *yaml.Node, format string, args ...any) (*yaml.Node, *EditError) {
		e := &EditError{Service: service, Reason: fmt.Sprintf(format, args...)}
		if n != nil {
			e.Line = n.Line
		}
		return nil, e
	}
	found := false
	for i := len(t.docs) - 1; i >= 0; i-- {
		r := root(t.docs[i])
		if r == nil || r.Kind != yaml.MappingNode {
			continue
		}
		se, ok := lookup(r, "services")
		if !ok {
			continue
		}
		services := se.val
		switch {
		case se.owner != r:
			return fail(se.key, "services comes from a merge key (<<)")
		case services.Kind == yaml.AliasNode:
			return fail(services, "services is an alias (*%s) of another part of the file", services.Value)
		case services.Kind != yaml.MappingNode:
			return fail(services, "services is not a mapping")
		}
		we, ok := lookup(services, service)
		if !ok {
			continue
		}
		found = true
		svc := we.val
		switch {
		case we.owner != services:
			return fail(we.key, "the service comes from a merge key (<<)")
		case svc.Kind == yaml.AliasNode:
			return fail(svc, "the service is an alias (*%s) of another part of the file", svc.Value)
		case svc.Kind != yaml.MappingNode:
			return fail(svc, "the service is not a mapping")
		}
		ie, ok := lookup(svc, "image")
		if !ok {
			continue
		}
		return editable(ie, svc, fail)
	}
	if !found {
		return fail(nil, "the file has no such service")
	}
	return fail(nil, "the service has no image key of its own (an image from extends is edited where it is written)")
}

// editable checks the image entry ie of the service mapping svc.
func editable(ie entry, svc *yaml.Node, fail func(*yaml.Node, string, ...any) (*yaml.Node, *EditError)) (*yaml.Node, *EditError) {
	n := ie.val
	switch {
	case ie.owner != svc:
		return fail(ie.key, "the image comes from a merge key (<<), which other services may share; write image: in the service itself")
	case n.Kind == yaml.AliasNode:
		return fail(n, "the image is an alias (*%s) of a value written elsewhere in the file", n.Value)
	case n.Kind != yaml.ScalarNode:
		return fail(n, "the image is not a single value")
	case n.Anchor != "":
		return fail(n, "the image carries an anchor (&%s) that other values may refer to", n.Anchor)
	case n.Style&yaml.TaggedStyle != 0:
		return fail(n, "the image carries a YAML tag (%s)", n.Tag)
	case n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		return fail(n, "the image is a block scalar (| or >); write it on the line of its key")
	case strings.Contains(n.Value, "$"):
		return fail(n, "the image is a ${VAR} interpolation, which berth cannot write a tag into; write the image out, or edit it by hand")
	case n.Value == "":
		return fail(n, "the image is empty")
	}
	return n, nil
}

// checkEdit checks that out, data with the image of service edited to
// image, is data but for that value: the same YAML elsewhere, and, when
// data parses, the same App but for the service's Image.
func checkEdit(data, out []byte, before *tree, n *yaml.Node, service, image string) error {
	after, yerr := parseTree(out)
	if yerr != nil {
		return fmt.Errorf("the edited file is not YAML (%s), so it was left as it was", yerr.Message)
	}
	m, eerr := imageScalar(after, service)
	if eerr != nil || m.Value != image || !sameTrees(before, after, n, m) {
		return errors.New("the edit would change more than the image, so it was left as it was")
	}
	// A directory names an app whose file does not.
	was, err := Parse("compose.yaml", data, "app", nil)
	if err != nil {
		return nil // checked as YAML only: the file needs variables or files to parse
	}
	now, err := Parse("compose.yaml", out, "app", nil)
	if err != nil {
		return fmt.Errorf("the edited file does not parse, so it was left as it was: %w", err)
	}
	was.Hash, now.Hash = "", ""
	for i := range was.Services {
		if was.Services[i].Name == service {
			was.Services[i].Image = image
		}
	}
	if !reflect.DeepEqual(was, now) {
		return errors.New("the edit would change more of the app than the image, so it was left as it was")
	}
	return nil
}

// sameTrees reports whether a and b hold the same documents, node for
// node, but for the value of skipA in a, which is skipB in b.
func sameTrees(a, b *tree, skipA, skipB *yaml.Node) bool {
	if len(a.docs) != len(b.docs) {
		return false
	}
	for i := range a.docs {
		if !sameNodes(a.docs[i], b.docs[i], skipA, skipB) {
			return false
		}
	}
	return true
}

func sameNodes(a, b, skipA, skipB *yaml.Node) bool {
	if a == skipA || b == skipB {
		return a == skipA && b == skipB
	}
	if a.Kind != b.Kind || a.Tag != b.Tag || a.Value != b.Value || a.Anchor != b.Anchor || a.Style != b.Style ||
		a.HeadComment != b.HeadComment || a.LineComment != b.LineComment || a.FootComment != b.FootComment ||
		len(a.Content) != len(b.Content) {
		return false
	}
	if a.Kind == yaml.AliasNode {
		return true // the same name; what it names is compared where it is written
	}
	for i := range a.Content {
		if !sameNodes(a.Content[i], b.Content[i], skipA, skipB) {
			return false
		}
	}
	return true
}
