package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var (
	reCast     = regexp.MustCompile(`strconv\.(\w+): parsing ("[^"]*"): (.*)$`)
	reDuration = regexp.MustCompile(`time: .*duration ("[^"]*")`)
	reOverflow = regexp.MustCompile(`cannot parse value as '\w+': (\S+) overflows`)
	reType     = regexp.MustCompile(`expected type '([^']+)', got unconvertible type '([^']+)'`)
)

// reword puts a value problem compose-go found while interpolating or
// decoding into plain words.
func reword(msg string) string {
	if m := reCast.FindStringSubmatch(msg); m != nil {
		if strings.Contains(m[3], "out of range") {
			return m[2] + " is out of range"
		}
		switch m[1] {
		case "ParseFloat":
			return m[2] + " is not a number"
		case "ParseBool":
			return m[2] + " is not true or false"
		default:
			return m[2] + " is not a whole number"
		}
	}
	if m := reDuration.FindStringSubmatch(msg); m != nil {
		return m[1] + " is not a duration (write it like 10s or 1m30s)"
	}
	if m := reOverflow.FindStringSubmatch(msg); m != nil {
		return m[1] + " is out of range"
	}
	if m := reType.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("must be %s, not %s", typeWord(m[1]), typeWord(m[2]))
	}
	return msg
}

// typeWord names a Go type the way a YAML author would.
func typeWord(t string) string {
	switch {
	case strings.HasPrefix(t, "map["), strings.HasPrefix(t, "struct"):
		return "a mapping"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "int"), strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "string":
		return "a string"
	}
	return t
}

// consistencyKeys names the key a consistency problem of a service is about.
var consistencyKeys = []struct{ words, key string }{
	{"undefined network", "networks"},
	{"undefined volume", "volumes"},
	{"undefined build secret", "build"},
	{"undefined secret", "secrets"},
	{"undefined config", "configs"},
	{"undefined model", "models"},
	{"undefined service", "depends_on"},
	{"cannot depend on job", "depends_on"},
	{"network_mode", "network_mode"},
	{"additional contexts", "build"},
	{"dockerfile", "build"},
}

// serviceFinding places compose-go's `service "web" refers to ...`
// messages at the key they are about.
func serviceFinding(name, msg string) ([]string, string) {
	path := []string{"services", name}
	for _, k := range consistencyKeys {
		if strings.Contains(msg, k.words) {
			return append(path, k.key), msg
		}
	}
	return path, msg
}

// durationKeys are the Compose keys that hold a duration.
var durationKeys = []string{"stop_grace_period", "delay", "monitor", "interval", "timeout", "start_period", "start_interval"}

// typeProblem rewords the schema's "must be a string" for a duration,
// and its "must be a null", which is what it says when a value is none
// of the types a key takes.
func (p *parser) typeProblem(path []string, msg string) string {
	switch {
	case msg == "must be a string" && slices.Contains(durationKeys, last(path)):
		if v := p.value(path); v != "" {
			return fmt.Sprintf("%s is not a duration; write it with a unit, like %ss", v, v)
		}
		return "must be a duration like 10s"
	case msg == "must be a null" && (last(path) == "command" || last(path) == "entrypoint"):
		return "must be a string or a list of strings"
	case msg == "must be a null":
		return "has the wrong type"
	}
	return msg
}
