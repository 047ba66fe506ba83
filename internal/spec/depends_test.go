package spec

import (
	"reflect"
	"testing"
)

func TestDependsOnIsReadInBothSyntaxes(t *testing.T) {
	app := mustParse(t, `name: shop
services:
  web:
    image: a:v1
    depends_on:
      db: {condition: service_healthy, restart: true}
      migrate: {condition: service_completed_successfully}
      cache: {condition: service_started, required: false}
  worker:
    image: a:v1
    depends_on: [db]
  db: {image: a:v1}
  migrate: {image: a:v1}
  cache: {image: a:v1, profiles: [full]}
`)
	got := map[string][]Dependency{}
	for _, s := range app.Services {
		got[s.Name] = s.DependsOn
	}
	want := map[string][]Dependency{
		"db":      nil,
		"migrate": nil,
		"web": {
			{Service: "db", Condition: ConditionHealthy, Required: true, Restart: true},
			{Service: "migrate", Condition: ConditionCompleted, Required: true},
		},
		"worker": {{Service: "db", Condition: ConditionStarted, Required: true}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DependsOn = %+v\nwant %+v", got, want)
	}
}

func TestDependsOnRefusesWhatCannotBeMet(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		path string
		msg  string
	}{
		{"a service the app does not have", svc("image: a:v1", "depends_on: [db]"), 4 + 1, "services.web.depends_on.db", "db is not a service of the app"},
		{"a required service left out by profiles", `name: shop
services:
  web:
    image: a:v1
    depends_on:
      db: {condition: service_started}
  db: {image: a:v1, profiles: [full]}
`, 6, "services.web.depends_on.db", "db has profiles"},
		{"a service that depends on itself", svc("image: a:v1", "depends_on:", "  web: {condition: service_started}"), 6,
			"services.web.depends_on.web", "depends_on goes round: web → web"},
		{"a cycle of three", `name: shop
services:
  a:
    image: a:v1
    depends_on: [b]
  b:
    image: a:v1
    depends_on: [c]
  c:
    image: a:v1
    depends_on:
      a: {condition: service_healthy}
`, 12, "services.c.depends_on.a", "depends_on goes round: a → b → c → a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src)
			expectOne(t, err, tt.line, tt.path, tt.msg)
		})
	}
}
