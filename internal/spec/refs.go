package spec

import (
	"regexp"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/template"
	"go.yaml.in/yaml/v4"
)

// refs are what a spec refers to outside itself: the variables it reads
// and the files it names.
type refs struct {
	vars  map[string]bool
	files []string // in file order, each once
}

var (
	// envRef matches a variable reference, ${VAR...} or $VAR.
	envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)|\$([A-Za-z_][A-Za-z0-9_]*)`)
	// bareEnvLine matches a line of an env file that takes the variable
	// of the same name from the environment.
	bareEnvLine = regexp.MustCompile(`(?m)^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*$`)
)

// references lists what data refers to. Paths are interpolated with
// env, as compose-go will when it reads the spec; a spec that is not
// YAML refers to the variables its text names and to no file.
func references(data []byte, env map[string]string) *refs {
	r := &refs{vars: map[string]bool{}}
	r.scanVars(data)
	t, yerr := parseTree(data)
	if yerr != nil {
		return r
	}
	for _, d := range t.docs {
		top := root(d)
		r.services(top, env)
		for _, kind := range []string{"secrets", "configs"} {
			objs, ok := lookup(top, kind)
			if !ok {
				continue
			}
			for _, o := range entries(objs.val, map[*yaml.Node]bool{}) {
				if f, ok := lookup(o.val, "file"); ok {
					r.file(f.val, env)
				}
				if e, ok := lookup(o.val, "environment"); ok {
					if s := scalar(e.val); s != "" {
						r.addVar(interpolate(s, env))
					}
				}
			}
		}
	}
	return r
}

// services reads what each service refers to.
func (r *refs) services(top *yaml.Node, env map[string]string) {
	services, ok := lookup(top, "services")
	if !ok {
		return
	}
	for _, svc := range entries(services.val, map[*yaml.Node]bool{}) {
		for _, key := range []string{"env_file", "label_file"} {
			e, ok := lookup(svc.val, key)
			if !ok {
				continue
			}
			for _, item := range listOrOne(e.val) {
				if p, ok := lookup(item, "path"); ok {
					item = p.val
				}
				r.file(item, env)
			}
		}
		if e, ok := lookup(svc.val, "environment"); ok {
			r.bareEnv(e.val)
		}
		if e, ok := lookup(svc.val, "security_opt"); ok {
			for _, item := range listOrOne(e.val) {
				if p, ok := seccompProfile(interpolate(scalar(item), env)); ok {
					r.add(p)
				}
			}
		}
	}
}

// bareEnv notes the environment entries that take their value from the
// deployer's environment: KEY in a list, KEY: with no value in a
// mapping.
func (r *refs) bareEnv(n *yaml.Node) {
	n = deref(n)
	if n == nil {
		return
	}
	switch n.Kind {
	case yaml.SequenceNode:
		for _, item := range n.Content {
			if s := scalar(item); s != "" && !strings.Contains(s, "=") {
				r.addVar(strings.TrimSpace(s))
			}
		}
	case yaml.MappingNode:
		for _, e := range entries(n, map[*yaml.Node]bool{}) {
			if v := deref(e.val); v == nil || v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
				r.addVar(e.key.Value)
			}
		}
	}
}

// file notes the path a scalar names.
func (r *refs) file(n *yaml.Node, env map[string]string) {
	if s := scalar(n); s != "" {
		r.add(interpolate(s, env))
	}
}

func (r *refs) addVar(name string) {
	if name != "" {
		r.vars[name] = true
	}
}

func (r *refs) add(p string) {
	if p != "" && !slices.Contains(r.files, p) {
		r.files = append(r.files, p)
	}
}

// scanVars notes the variables text names.
func (r *refs) scanVars(text []byte) {
	for _, m := range envRef.FindAllSubmatch(text, -1) {
		r.addVar(string(m[1]) + string(m[2]))
	}
}

// scanEnvFile notes the variables an env file reads from the
// environment: those it names, and its bare KEY lines.
func (r *refs) scanEnvFile(content []byte) {
	r.scanVars(content)
	for _, m := range bareEnvLine.FindAllSubmatch(content, -1) {
		r.addVar(string(m[1]))
	}
}

// listOrOne returns the items of a sequence, or n itself.
func listOrOne(n *yaml.Node) []*yaml.Node {
	if n = deref(n); n != nil && n.Kind == yaml.SequenceNode {
		out := make([]*yaml.Node, len(n.Content))
		for i, c := range n.Content {
			out[i] = deref(c)
		}
		return out
	}
	return []*yaml.Node{n}
}

// scalar returns the value of a scalar node, "" for any other.
func scalar(n *yaml.Node) string {
	if n = deref(n); n != nil && n.Kind == yaml.ScalarNode {
		return n.Value
	}
	return ""
}

// interpolate replaces ${VAR} in s as compose-go does; s as it is when
// it cannot.
func interpolate(s string, env map[string]string) string {
	out, err := template.SubstituteWithOptions(s, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}, template.WithoutLogging)
	if err != nil {
		return s
	}
	return out
}

// seccompProfile returns the profile file a security option names,
// if it names one: seccomp=<path> other than unconfined and builtin.
func seccompProfile(opt string) (string, bool) {
	k, v, ok := strings.Cut(opt, "=")
	if !ok {
		k, v, ok = strings.Cut(opt, ":")
	}
	if !ok || k != "seccomp" || v == "unconfined" || v == "builtin" || v == "" {
		return "", false
	}
	return v, true
}
