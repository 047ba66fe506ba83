package docker

import (
	"strconv"
	"strings"

	"github.com/berth-dev/berth/internal/driver"
)

// networkLabel is LabelNetworks of a container that joins nets:
// spec=host, or spec=host=priority for a priority other than 0.
func networkLabel(nets []attachment) string {
	return pairs(nets, func(n attachment) (string, string) {
		if n.priority != 0 {
			return n.spec, n.host + "=" + strconv.Itoa(n.priority)
		}
		return n.spec, n.host
	})
}

// joinedNetwork is one network LabelNetworks names.
type joinedNetwork struct {
	spec, host string
	priority   int
}

// parseNetworkLabel reads LabelNetworks back.
func parseNetworkLabel(s string) []joinedNetwork {
	var out []joinedNetwork
	for _, p := range parsePairs(s) {
		host, prio, _ := strings.Cut(p[1], "=")
		n := joinedNetwork{spec: p[0], host: host}
		n.priority, _ = strconv.Atoi(prio)
		out = append(out, n)
	}
	return out
}

// pairs writes items as a=b,c=d.
func pairs[T any](items []T, kv func(T) (string, string)) string {
	parts := make([]string, len(items))
	for i, it := range items {
		k, v := kv(it)
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, ",")
}

// parsePairs reads what pairs wrote, keeping the order.
func parsePairs(s string) [][2]string {
	var out [][2]string
	for _, p := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(p, "="); ok {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// volumeLabel names the app's volumes the mounts use, spec=host.
func volumeLabel(ms []driver.Mount, objs *appObjects) string {
	seen := map[string]bool{}
	var used []string
	for _, m := range ms {
		if m.Type == driver.MountVolume && !seen[m.Source] {
			seen[m.Source] = true
			used = append(used, m.Source)
		}
	}
	return pairs(used, func(name string) (string, string) { return name, objs.volumes[name] })
}
