package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v4"
)

// LoadFile reads the YAML file at path over c. Unknown keys and values of
// the wrong type are errors that name the file, line and key.
func (c *Config) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading config: %w", err)
	}
	return c.load(data, path)
}

// load decodes data, named name in errors, over c.
func (c *Config) load(data []byte, name string) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(c)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var le *yaml.LoadErrors
	if !errors.As(err, &le) || len(le.Errors) == 0 {
		return fmt.Errorf("%s: not valid YAML: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var root yaml.Node
	_ = yaml.Unmarshal(data, &root) // it parsed once already
	var keys []keyAt
	collectKeys(&root, "", &keys)
	errs := make([]error, 0, len(le.Errors))
	for _, e := range le.Errors {
		errs = append(errs, errors.New(name+":"+explainDecodeError(e.Error(), keys)))
	}
	return errors.Join(errs...)
}

// keyAt is one key of the file: its dotted path and where it and its
// value are.
type keyAt struct {
	path  string
	key   *yaml.Node
	value *yaml.Node
}

// collectKeys lists every mapping key under n, in document order.
func collectKeys(n *yaml.Node, prefix string, out *[]keyAt) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			collectKeys(c, prefix, out)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			collectKeys(c, fmt.Sprintf("%s[%d]", prefix, i), out)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := k.Value
			if prefix != "" {
				p = prefix + "." + k.Value
			}
			*out = append(*out, keyAt{path: p, key: k, value: v})
			collectKeys(v, p, out)
		}
	}
}

var (
	unknownFieldRE = regexp.MustCompile(`^line (\d+): field (.+) not found in type (\S+)$`)
	constructRE    = regexp.MustCompile("^line (\\d+): cannot construct (!!\\w+)(?: `(.*)`)? into (.+)$")
)

// explainDecodeError turns one of the decoder's messages into
// "LINE: KEY: what is wrong; what is allowed".
func explainDecodeError(msg string, keys []keyAt) string {
	if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		path := m[2]
		for _, k := range keys {
			if k.key.Line == line && k.key.Value == m[2] {
				path = k.path
			}
		}
		allowed := fieldsOf[m[3]]
		if parent, _, ok := cutLast(path); ok {
			allowed = keysAt(parent) // the type may be a local one, such as Source's plain
		} else if path == m[2] {
			allowed = fieldsOf["config.Config"]
		}
		return fmt.Sprintf("%d: %s: unknown key; %s", line, path, allowedKeys(m[2], allowed))
	}
	if m := constructRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		tag, value, into := m[2], m[3], m[4]
		path := "value"
		for _, k := range keys {
			v := k.value
			if v.Line == line && v.ShortTag() == tag && (v.Kind != yaml.ScalarNode || v.Value == value) {
				path = k.path
			}
		}
		return fmt.Sprintf("%d: %s: %s", line, path, wrongType(tag, value, into))
	}
	if line, rest, ok := strings.Cut(strings.TrimPrefix(msg, "line "), ": "); ok && msg != rest {
		if _, err := strconv.Atoi(line); err == nil {
			return line + ": " + rest
		}
	}
	return " " + msg
}

// cutLast splits a dotted path before its last key.
func cutLast(path string) (string, string, bool) {
	i := strings.LastIndexByte(path, '.')
	if i < 0 {
		return "", path, false
	}
	return path[:i], path[i+1:], true
}

// keysAt returns the keys allowed in the mapping at the dotted path, such
// as "auth.users[0]", or nil when it is not a struct of Config.
func keysAt(path string) []string {
	t := reflect.TypeFor[Config]()
	for seg := range strings.SplitSeq(path, ".") {
		seg, _, _ = strings.Cut(seg, "[")
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := yamlField(t, seg)
		if !ok {
			return nil
		}
		t = f.Type
	}
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	return fieldsOf[t.String()]
}

// yamlField finds the field of struct t that the YAML key name sets.
func yamlField(t reflect.Type, name string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if yamlName(f) == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// yamlName is the key that sets f, "" for none.
func yamlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		name = strings.ToLower(f.Name)
	}
	return name
}

// allowedKeys suggests the key closest to key among allowed, or lists
// them all.
func allowedKeys(key string, allowed []string) string {
	if len(allowed) == 0 {
		return "remove it"
	}
	best, bestD := "", 3
	for _, a := range allowed {
		if d := editDistance(strings.ToLower(key), a, 2); d < bestD && 3*d <= len(a) {
			best, bestD = a, d
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %s?", best)
	}
	return "allowed here: " + strings.Join(allowed, ", ")
}

// wrongType says why value (of YAML tag tag) cannot be a Go into, and
// how to write one.
func wrongType(tag, value, into string) string {
	got := fmt.Sprintf("%q", value)
	switch tag {
	case "!!seq":
		got = "a list"
	case "!!map":
		got = "a map"
	}
	switch {
	case into == "time.Duration":
		return got + " is not a duration; write it like 24h or 90m"
	case into == "bool":
		return got + " is not true or false"
	case strings.HasPrefix(into, "int") || strings.HasPrefix(into, "uint"):
		return got + " is not a whole number; write it like 10"
	case strings.HasPrefix(into, "float"):
		return got + " is not a number; write it like 0.5"
	case into == "string":
		return got + " is not text; write a single value, quoted if need be"
	case strings.HasPrefix(into, "[]"):
		return got + " is not a list; write it like [a, b] or as lines starting with -"
	case strings.HasPrefix(into, "map["):
		return got + " is not a map; write it like {key: value} or as key: value lines"
	default:
		return got + " is not a map of settings; write them as key: value lines"
	}
}

// fieldsOf maps the name of each struct type in Config, as the decoder
// names it ("config.User"), to its YAML keys.
var fieldsOf = func() map[string][]string {
	m := map[string][]string{}
	var walk func(t reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || t == reflect.TypeFor[time.Time]() {
			return
		}
		if _, seen := m[t.String()]; seen {
			return
		}
		m[t.String()] = nil
		var names []string
		for f := range t.Fields() {
			name := yamlName(f)
			if name == "" {
				continue
			}
			names = append(names, name)
			walk(f.Type)
		}
		slices.Sort(names)
		m[t.String()] = names
	}
	walk(reflect.TypeFor[Config]())
	return m
}()

// editDistance returns the Levenshtein distance between a and b, or
// more than limit when it is sure to be.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
