package spec

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/schema"
)

// schemaKeys lists, from compose-go's Compose schema, the top-level
// keys and the keys of a service as serviceKeys writes them: deploy's
// below it as deploy.<key>, and deploy.resources' in full.
func schemaKeys(t testing.TB) (top, service []string) {
	t.Helper()
	var s struct {
		Properties map[string]any            `json:"properties"`
		Defs       map[string]map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal([]byte(schema.Schema), &s); err != nil {
		t.Fatal(err)
	}
	var props func(def map[string]any) map[string]any
	props = func(def map[string]any) map[string]any {
		out := map[string]any{}
		if ref, ok := def["$ref"].(string); ok {
			maps.Copy(out, props(s.Defs[strings.TrimPrefix(ref, "#/$defs/")]))
		}
		for _, sub := range asList(def["allOf"]) {
			maps.Copy(out, props(sub.(map[string]any)))
		}
		if p, ok := def["properties"].(map[string]any); ok {
			maps.Copy(out, p)
		}
		return out
	}
	for k := range s.Properties {
		top = append(top, k)
	}
	for k := range props(s.Defs["service"]) {
		service = append(service, k)
	}
	for k, v := range props(s.Defs["deployment"]) {
		if k != "resources" {
			service = append(service, "deploy."+k)
			continue
		}
		for kind, r := range props(v.(map[string]any)) {
			for leaf := range props(r.(map[string]any)) {
				service = append(service, "deploy.resources."+kind+"."+leaf)
			}
		}
	}
	slices.Sort(top)
	slices.Sort(service)
	return top, service
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func TestEveryComposeKeyIsAppliedOrRefused(t *testing.T) {
	top, service := schemaKeys(t)
	if len(service) < 80 {
		t.Fatalf("the schema walk found %d service keys; it no longer reads compose-go's schema", len(service))
	}
	for _, k := range top {
		if _, ok := topKeys[k]; !ok {
			t.Errorf("top-level key %s is in Compose's schema but not in topKeys", k)
		}
	}
	counts := map[keyStatus]int{}
	ignored := 0
	for _, k := range service {
		r, ok := serviceKeys[k]
		if !ok {
			t.Errorf("service key %s is in Compose's schema but not in serviceKeys: apply it or refuse it", k)
			ignored++
			continue
		}
		counts[r.status]++
	}
	for k := range serviceKeys {
		if !slices.Contains(service, k) && k != "x-berth" {
			t.Errorf("serviceKeys has %s, which Compose's schema does not", k)
		}
	}
	t.Logf("%d service keys: %d applied, %d applied with a difference, %d for cluster drivers, %d refused, %d ignored",
		len(service), counts[keyApplied], counts[keyDiffers], counts[keyCluster], counts[keyRefused], ignored)
}

// keyTables writes the key tables as README.md has them.
func keyTables() string {
	var b strings.Builder
	row := func(key string, r keyRule) {
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", key, r.status, r.note)
	}
	b.WriteString("| Top-level key | On a Docker host | Notes |\n| --- | --- | --- |\n")
	for _, k := range slices.Sorted(maps.Keys(topKeys)) {
		row(k, topKeys[k])
	}
	b.WriteString("\n| Service key | On a Docker host | Notes |\n| --- | --- | --- |\n")
	for _, k := range slices.Sorted(maps.Keys(serviceKeys)) {
		row(k, serviceKeys[k])
	}
	return b.String()
}

func TestTheReadmeTableIsTheKeyTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	const start, end = "<!-- compose-keys:start -->\n", "<!-- compose-keys:end -->"
	_, rest, ok := strings.Cut(string(readme), start)
	table, _, ok2 := strings.Cut(rest, end)
	if !ok || !ok2 {
		t.Fatalf("README.md has no table between %q and %q", strings.TrimSpace(start), end)
	}
	if want := keyTables(); strings.TrimSpace(table) != strings.TrimSpace(want) {
		t.Fatalf("README.md's Compose keys table differs from serviceKeys and topKeys; it should read:\n%s", want)
	}
}
