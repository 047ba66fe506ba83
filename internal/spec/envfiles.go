package spec

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v4"
)

// dotenvLine matches the part of a dotenv problem that says what is
// wrong, before it quotes the file's text, which may be a secret.
var dotenvLine = regexp.MustCompile(`line (\d+): ([a-z ]+)`)

// serviceEnv reads a service's environment as Compose resolves it: its
// env files in order, each read from the Input with ${VAR} taken from
// the variables given, then the service's own environment over them.
func (p *parser) serviceEnv(c types.ServiceConfig, at func(...string) []string) []string {
	if len(c.EnvFiles) == 0 {
		return environ(c.Environment)
	}
	vars := c.Environment.ToMapping()
	lookup := func(k string) (string, bool) {
		if v, ok := p.in.Env[k]; ok {
			return v, true
		}
		if v := c.Environment[k]; v != nil {
			return *v, true
		}
		return "", false
	}
	for i, f := range c.EnvFiles {
		path := p.item(at("env_file"), i)
		content, ok := p.in.Files[f.Path]
		if !ok {
			if f.Required {
				p.add(path, "env file %s was not found beside the spec; berth deploy sends the files a spec names with it (or mark it required: false)", f.Path)
			}
			continue
		}
		if err := dotenv.ParseWithFormat(bytes.NewReader(content), f.Path, vars, lookup, f.Format); err != nil {
			p.add(path, "env file %s: %s", f.Path, dotenvProblem(err))
		}
	}
	return environ(vars.ToMappingWithEquals().OverrideBy(c.Environment))
}

// serviceLabels reads a service's labels as Compose resolves them: its
// label files in order, read from the Input, then its own labels over
// them.
func (p *parser) serviceLabels(c types.ServiceConfig, at func(...string) []string) types.Labels {
	if len(c.LabelFiles) == 0 {
		return c.Labels
	}
	labels := types.Mapping{}
	for i, name := range c.LabelFiles {
		content, ok := p.in.Files[name]
		path := p.item(at("label_file"), i)
		if !ok {
			p.add(path, "label file %s was not found beside the spec; berth deploy sends the files a spec names with it", name)
			continue
		}
		vars := types.Mapping{}
		err := dotenv.ParseWithFormat(bytes.NewReader(content), name, vars, labels.Resolve, "")
		if err != nil {
			p.add(path, "label file %s: %s", name, dotenvProblem(err))
			continue
		}
		for k, v := range vars {
			labels[k] = v
		}
	}
	out := types.Labels{}
	for k, v := range labels {
		out[k] = v
	}
	for k, v := range c.Labels {
		out[k] = v
	}
	return out
}

// dotenvProblem says what is wrong with an env file without quoting
// the file.
func dotenvProblem(err error) string {
	msg := err.Error()
	if m := dotenvLine.FindStringSubmatch(msg); m != nil {
		return "line " + m[1] + ": " + strings.TrimSpace(m[2])
	}
	if strings.Contains(msg, "unsupported env_file format") {
		return "its format is not one Compose reads (leave format out)"
	}
	return "it cannot be read as an env file"
}

// item returns the path of the i-th value of the key at path, which the
// file may write as a list or, for the first, as the value itself.
func (p *parser) item(path []string, i int) []string {
	if pl := p.tree.find(path); pl.depth == len(path) && pl.value != nil && pl.value.Kind == yaml.SequenceNode {
		return join(path, itoa(i))
	}
	return path
}
