package spec

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v4"
)

// legacyKeys are service keys of Compose's old file formats, which the
// Compose specification dropped and compose-go refuses, with what to
// write instead.
var legacyKeys = map[string]string{
	"log_driver":    "write logging: {driver: ...}",
	"log_opt":       "write logging: {options: {...}}",
	"net":           "join networks with networks:",
	"volume_driver": "set driver on the volume under the top-level volumes",
}

// serviceKeyNames refuses service keys whose name is a mistake that
// Compose would not catch, or would catch with no hint: a key close to
// x-berth (any x- key is valid Compose, so a misspelt x-berth would be
// read as someone else's extension and the route and strategy in it
// left out), and the keys of Compose's old formats. The keys are
// dropped so that loading can go on; it reports whether any was.
func (p *parser) serviceKeyNames() bool {
	n := len(p.errs)
	for _, d := range p.tree.docs {
		p.eachService(root(d), func(name string, svc *yaml.Node) {
			for _, e := range entries(svc, map[*yaml.Node]bool{}) {
				k := e.key.Value
				path := []string{"services", name, k}
				if fix, ok := legacyKeys[k]; ok {
					p.refuse(e, path, fmt.Sprintf("%s is from an old Compose format that the Compose specification dropped: %s", k, fix))
				} else if nearXBerth(k) {
					p.refuse(e, path, fmt.Sprintf("%s is not x-berth: berth reads its settings from x-berth only, so these would be left out; did you mean x-berth?", printable(k)))
				}
			}
		})
	}
	return len(p.errs) > n
}

// nearXBerth reports whether key looks like a misspelt x-berth: the same
// but for case or _ for -, or within two edits of it.
func nearXBerth(key string) bool {
	if key == "x-berth" {
		return false
	}
	k := strings.ReplaceAll(strings.ToLower(key), "_", "-")
	if !strings.HasPrefix(k, "x-") {
		return false
	}
	return editDistance(k, "x-berth", 2) <= 2
}

// editDistance returns the Levenshtein distance between a and b, or
// more than limit as soon as it is sure to be.
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
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > limit {
			return limit + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
