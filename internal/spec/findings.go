package spec

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// finding is one problem compose-go reported: the key path it names, if
// any, and what is wrong in plain words.
type finding struct {
	path         []string
	msg          string
	line, column int // for a problem without a path, when known
}

// findings turns a compose-go error into findings. compose-go names a
// key path in most of its messages but never a line, and words schema
// problems for schema authors ("false schema"); each message is matched
// against the shapes compose-go writes and reworded.
func (p *parser) findings(err error, file string) []finding {
	var out []finding
	for _, msg := range messages(err) {
		out = append(out, p.translate(msg, file)...)
	}
	return out
}

// messages splits joined errors into their messages.
func messages(err error) []string {
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return []string{err.Error()}
	}
	var out []string
	for _, e := range joined.Unwrap() {
		out = append(out, messages(e)...)
	}
	return out
}

var (
	reAdditional  = regexp.MustCompile(`^(\S*)\s*additional properties (.+) not allowed$`)
	reQuoted      = regexp.MustCompile(`'([^']*)'`)
	reFalseSchema = regexp.MustCompile(`^(\S+) false schema$`)
	reEnum        = regexp.MustCompile(`^(\S+) value must be one of (.+)$`)
	rePattern     = regexp.MustCompile(`^(\S+) '(.*)' does not match pattern `)
	reInterpolate = regexp.MustCompile(`(?s)^error while interpolating (\S+): (.*)$`)
	reTemplate    = regexp.MustCompile(`(?s)^invalid interpolation format for (\S+)\.\n.*\n(.*)$`)
	reDecode      = regexp.MustCompile(`(?s)^'([^']+)' (.*)$`)
	reService     = regexp.MustCompile(`^service "([^"]+)" (.*)$`)
	rePath        = regexp.MustCompile(`(?s)^([A-Za-z0-9_.\-\[\]]+):? (.*)$`)
)

// translate rewords one compose-go message.
func (p *parser) translate(msg, file string) []finding {
	msg = strings.TrimPrefix(msg, "validating "+file+": ")
	msg = strings.TrimSuffix(msg, ": invalid compose project")
	if fs, ok := p.several(msg, file); ok {
		return fs
	}
	var f finding
	switch m := match(msg, reFalseSchema, reEnum, rePattern, reTemplate, reInterpolate, reDecode, reService); m.re {
	case reFalseSchema:
		f.path = keyPath(m.sub[1])
		f.msg = "unknown key " + printable(last(f.path))
	case reEnum:
		f.path = keyPath(m.sub[1])
		f.msg = fmt.Sprintf("%q is not one of %s", p.value(f.path), reQuoted.ReplaceAllString(m.sub[2], "$1"))
	case rePattern:
		f.path = keyPath(m.sub[1])
		f.msg = fmt.Sprintf("%q is not a valid value", m.sub[2])
		if last(f.path) == "pull_policy" {
			f.msg = fmt.Sprintf("%q is not one of %s", m.sub[2], pullPolicies)
		}
	case reTemplate:
		f.path, f.msg = keyPath(m.sub[1]), fmt.Sprintf("invalid interpolation %s (write a literal $ as $$)", m.sub[2])
	case reInterpolate, reDecode:
		f.path, f.msg = keyPath(m.sub[1]), reword(m.sub[2])
	case reService:
		f.path, f.msg = serviceFinding(m.sub[1], m.sub[2])
	default:
		f = p.pathFinding(msg)
	}
	return []finding{f}
}

// several reads the messages that are not about one key path: lists of
// problems, and problems with the file as a whole.
func (p *parser) several(msg, file string) ([]finding, bool) {
	var out []finding
	switch {
	case strings.HasPrefix(msg, "decoding failed due to the following error(s):"):
		for _, line := range strings.Split(msg, "\n")[1:] {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, p.translate(line, file)...)
			}
		}
	case strings.HasPrefix(msg, "failed to parse "+file+": "):
		for _, line := range strings.Split(strings.TrimPrefix(msg, "failed to parse "+file+": "), "\n") {
			if line = strings.TrimSpace(line); line != "" && line != "yaml: construct errors:" {
				e := yamlError(errors.New(line), nil)
				out = append(out, finding{msg: e.Message, line: e.Line, column: e.Column})
			}
		}
	case reAdditional.MatchString(msg):
		m := reAdditional.FindStringSubmatch(msg)
		for _, k := range reQuoted.FindAllStringSubmatch(m[2], -1) {
			key := k[1]
			if u, err := strconv.Unquote(`"` + key + `"`); err == nil {
				key = u // the schema escapes what is not printable
			}
			out = append(out, finding{path: append(keyPath(m[1]), key), msg: "unknown key " + printable(key)})
		}
	case msg == "project name must not be empty":
		out = append(out, finding{path: []string{"name"}, msg: "the app has no name: set a top-level name"})
	case msg == "empty compose file":
		out = append(out, finding{path: []string{"services"}, msg: "the app has no services"})
	default:
		return nil, false
	}
	if len(out) == 0 {
		out = []finding{{msg: msg}}
	}
	return out, true
}

// printable returns s, quoted if it holds what does not print.
func printable(s string) string {
	if strconv.CanBackquote(s) {
		return s
	}
	return strconv.Quote(s)
}

// last returns the last key of path, "" for none.
func last(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return path[len(path)-1]
}

// matched is the first of several patterns a message matches.
type matched struct {
	re  *regexp.Regexp
	sub []string
}

func match(msg string, res ...*regexp.Regexp) matched {
	for _, re := range res {
		if m := re.FindStringSubmatch(msg); m != nil {
			return matched{re, m}
		}
	}
	return matched{}
}

// pathFinding reads a message that starts with a key path the file has
// ("services.web.command.0 must be a string"), or takes it whole.
func (p *parser) pathFinding(msg string) finding {
	if m := rePath.FindStringSubmatch(msg); m != nil {
		path := keyPath(m[1])
		if len(path) > 0 && p.tree.find(path).depth == len(path) {
			return finding{path: path, msg: p.typeProblem(path, strings.TrimPrefix(m[2], ": "))}
		}
	}
	for _, g := range guesses {
		if m := g.re.FindStringSubmatch(msg); m != nil {
			if path := p.tree.search(func(v string) bool { return g.match(v, m[1]) }); path != nil {
				return finding{path: path, msg: msg}
			}
		}
	}
	return finding{msg: msg}
}

// guesses place the messages that name a value but no key path at the
// first value in the file that matches.
var guesses = []struct {
	re    *regexp.Regexp
	match func(value, named string) bool
}{
	{regexp.MustCompile(`^invalid \w+: (.+)$`), func(v, n string) bool { return v == n }},
	{regexp.MustCompile(`^(?:env|label) file (\S+) not found`), func(v, n string) bool {
		return v != "" && strings.HasSuffix(n, strings.TrimPrefix(v, "./"))
	}},
}

// keyPath splits compose-go's way of writing a key path, either
// "services.web.command.[]" or "services[web].stop_grace_period", into
// keys; "[]" stands for some item of a list and is dropped.
func keyPath(s string) []string {
	s = strings.ReplaceAll(s, ".[]", "")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "[", "."), "]", "")
	var out []string
	for _, k := range strings.Split(s, ".") {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// value returns the scalar at path, "" if there is none.
func (p *parser) value(path []string) string {
	if pl := p.tree.find(path); pl.depth == len(path) && pl.value != nil {
		return pl.value.Value
	}
	return ""
}
