package spec

import (
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// dependsOn reads depends_on, sorted by service. A dependency on a
// service the app does not have is refused, unless that service is left
// out by profiles and the dependency is not required, which Compose
// skips too.
func (p *parser) dependsOn(proj *types.Project, c types.ServiceConfig, at func(...string) []string) []Dependency {
	var out []Dependency
	// compose-go adds dependencies for links, volumes_from and shared
	// namespaces, which are refused themselves; only those the spec
	// writes are reported.
	written := p.has(at("depends_on"))
	for _, name := range slices.Sorted(maps.Keys(c.DependsOn)) {
		d := c.DependsOn[name]
		path := at("depends_on", name)
		if _, ok := proj.Services[name]; !ok {
			_, off := proj.DisabledServices[name]
			switch {
			case off && !d.Required, !written:
			case off:
				p.add(path, "%s has profiles, so berth leaves it out; drop the dependency, or mark it required: false", name)
			default:
				p.add(path, "%s is not a service of the app", name)
			}
			continue
		}
		cond := Condition(d.Condition)
		switch cond {
		case "":
			cond = ConditionStarted
		case ConditionStarted, ConditionHealthy, ConditionCompleted:
		default:
			p.add(join(path, "condition"), "%q is not one of %s, %s, %s", d.Condition, ConditionStarted, ConditionHealthy, ConditionCompleted)
			continue
		}
		out = append(out, Dependency{Service: name, Condition: cond, Required: d.Required, Restart: d.Restart})
	}
	return out
}

// cycles refuses dependencies that go round, each cycle once, at the
// depends_on entry that closes it.
func (p *parser) cycles(services []Service) {
	deps := map[string][]string{}
	for _, s := range services {
		for _, d := range s.DependsOn {
			deps[s.Name] = append(deps[s.Name], d.Service)
		}
	}
	const (
		unseen = iota
		open
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(string)
	visit = func(n string) {
		state[n] = open
		stack = append(stack, n)
		for _, d := range deps[n] {
			switch state[d] {
			case unseen:
				visit(d)
			case open:
				i := slices.Index(stack, d)
				loop := append(slices.Clone(stack[i:]), d)
				p.add([]string{"services", n, "depends_on", d}, "depends_on goes round: %s", strings.Join(loop, " → "))
			}
		}
		stack = stack[:len(stack)-1]
		state[n] = done
	}
	for _, s := range services {
		if state[s.Name] == unseen {
			visit(s.Name)
		}
	}
}
