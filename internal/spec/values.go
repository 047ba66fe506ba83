package spec

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The readers below check one x-berth value, as compose-go hands it over
// (decoded YAML, with ${VAR} already replaced, which leaves a string), and
// report a problem at path when it is not what is wanted. The bool says
// whether the value can be used.

// join appends keys to a copy of path.
func join(path []string, keys ...string) []string {
	return append(slices.Clone(path), keys...)
}

// mapping reads a mapping whose keys must be among known.
func (p *parser) mapping(path []string, v any, known ...string) (map[string]any, bool) {
	if v == nil {
		return nil, true
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.add(path, "must be a mapping, not %s", describe(v))
		return nil, false
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(known, k) {
			p.add(join(path, k), "unknown key %s (known: %s)", printable(k), strings.Join(known, ", "))
		}
	}
	return m, true
}

// text reads a string.
func (p *parser) text(path []string, v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		p.add(path, "must be a string, not %s", describe(v))
	}
	return s, ok
}

// whole reads a whole number from lo to hi.
func (p *parser) whole(path []string, v any, lo, hi int) (int, bool) {
	var n int
	switch x := v.(type) {
	case int:
		n = x
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(x))
		if err != nil {
			p.add(path, "%q is not a whole number", x)
			return 0, false
		}
		n = i
	default:
		p.add(path, "must be a whole number, not %s", describe(v))
		return 0, false
	}
	if n < lo || n > hi {
		p.add(path, "%d is out of range %d-%d", n, lo, hi)
		return 0, false
	}
	return n, true
}

// fraction reads a number from 0 to 1.
func (p *parser) fraction(path []string, v any) (float64, bool) {
	var f float64
	switch x := v.(type) {
	case int:
		f = float64(x)
	case float64:
		f = x
	case string:
		g, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			p.add(path, "%q is not a number", x)
			return 0, false
		}
		f = g
	default:
		p.add(path, "must be a number, not %s", describe(v))
		return 0, false
	}
	if math.IsNaN(f) || f < 0 || f > 1 {
		p.add(path, "%v is out of range 0-1", f)
		return 0, false
	}
	return f, true
}

// duration reads a duration of zero or more, written the Go way ("1m30s").
func (p *parser) duration(path []string, v any) (time.Duration, bool) {
	s, ok := v.(string)
	if !ok {
		if n, isInt := v.(int); isInt {
			p.add(path, "%d is not a duration; write it with a unit, like %ds", n, n)
		} else {
			p.add(path, "must be a duration like 10s or 1m30s, not %s", describe(v))
		}
		return 0, false
	}
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		p.add(path, "%q is not a duration (write it like 10s or 1m30s)", s)
		return 0, false
	}
	if d < 0 {
		p.add(path, "%s is negative", s)
		return 0, false
	}
	return d, true
}

// describe names the YAML type of v for a problem.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "nothing"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return fmt.Sprintf("the string %q", x)
	case bool:
		return strconv.FormatBool(x)
	case int, int64, uint64, float64:
		return fmt.Sprintf("the number %v", x)
	}
	return fmt.Sprintf("%T", v)
}

// itoa writes a list index as a key path has it.
func itoa(i int) string { return strconv.Itoa(i) }
