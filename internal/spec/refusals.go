package spec

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/compose-spec/compose-go/v2/types"
)

// keysOf lists the Compose key paths a loaded service sets, as
// Service.Keys has them: every key at every depth, with list indices
// and the names a spec chooses (of networks, dependencies, ulimits) left
// out, so that a driver is asked about "volumes.bind.recursive" or
// "networks.gw_priority" whatever the volume or network. compose-go's
// JSON form names each field by its Compose key and leaves out what is
// not set, so it is what is read; the default network compose-go adds
// to a service that names none is not the spec's.
func keysOf(c types.ServiceConfig) []string {
	data, err := json.Marshal(c)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(data, &m) != nil {
		return nil
	}
	if n, ok := m["networks"].(map[string]any); ok && len(n) == 1 {
		if v, named := n[driverDefaultNetwork]; named && v == nil {
			delete(m, "networks")
		}
	}
	set := map[string]bool{}
	keyPaths(m, "", set)
	return slices.Sorted(maps.Keys(set))
}

// driverDefaultNetwork is the network compose-go puts a service on when
// the spec names none.
const driverDefaultNetwork = "default"

// namedMaps are the mappings whose keys a spec chooses and whose values
// hold Compose keys; valueMaps are those whose keys and values are the
// spec's own (labels, variables...), below which there is no key.
var (
	namedMaps = map[string]bool{"networks": true, "depends_on": true, "ulimits": true, "models": true}
	valueMaps = map[string]bool{
		"labels": true, "environment": true, "sysctls": true, "annotations": true, "storage_opt": true,
		"extra_hosts": true, "driver_opts": true, "options": true, "args": true, "aux_addresses": true,
		"additional_contexts": true, "build": true, "develop": true, "provider": true,
	}
)

// keyPaths adds the key paths below prefix in v to set.
func keyPaths(v any, prefix string, set map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if empty(e) {
				continue
			}
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			set[path] = true
			switch {
			case valueMaps[k]:
			case namedMaps[k] && prefix == "":
				if named, ok := e.(map[string]any); ok {
					for _, item := range named {
						keyPaths(item, path, set)
					}
				}
			default:
				keyPaths(e, path, set)
			}
		}
	case []any:
		for _, item := range x {
			keyPaths(item, prefix, set)
		}
	}
}

// empty reports whether a JSON value says nothing.
func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case string:
		return x == ""
	}
	return false
}

// refuseKeys refuses the keys of a service that berth refuses whatever
// their value, each at its place with the reason from serviceKeys.
func (p *parser) refuseKeys(name string, keys []string) {
	for _, k := range keys {
		if r, ok := serviceKeys[k]; ok && r.status == keyRefused {
			p.add(append([]string{"services", name}, strings.Split(k, ".")...), "not supported: %s", r.note)
		}
	}
}

// refuseTopKeys refuses the top-level keys berth refuses whatever their
// value.
func (p *parser) refuseTopKeys(proj *types.Project) {
	set := map[string]bool{"models": len(proj.Models) > 0, "jobs": len(proj.Jobs) > 0 || len(proj.DisabledJobs) > 0}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		if set[k] {
			p.add([]string{k}, "not supported: %s", topKeys[k].note)
		}
	}
}
