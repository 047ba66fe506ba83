package config

import (
	"strings"
	"testing"
)

// envsFile declares integration and production, and the sources given.
func envsFile(sources string) string {
	return "listen: 127.0.0.1:5000\nenvironments:\n  - name: integration\n  - name: production\n    promotion: {from: integration}\nsources:\n" + sources
}

func TestASourceMapsFoldersToEnvironments(t *testing.T) {
	c := Default()
	err := c.load([]byte(envsFile(`  - name: config
    url: https://git.example.com/ops/config.git
    path: envs
    environment: production
    environments:
      integration: integration
      production/canary: integration
`)), "berth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	for file, want := range map[string]string{
		"envs/integration/shop/compose.yaml":       "integration",
		"envs/integration/compose.yaml":            "integration",
		"envs/production/shop/compose.yaml":        "production",
		"envs/production/canary/shop/compose.yaml": "integration", // the deepest folder wins
		"envs/integrations/shop/compose.yaml":      "production",  // a folder, not a prefix
		"envs/tools.yaml":                          "production",
	} {
		if got := s.EnvironmentOf(file); got != want {
			t.Errorf("EnvironmentOf(%s) = %q, want %q", file, got, want)
		}
	}
	if got := NewSource("c", "/srv/git").EnvironmentOf("shop/compose.yaml"); got != "" {
		t.Errorf("a source without environments puts apps in %q, want \"\" (the first)", got)
	}
	t.Run("at the root of the repository", func(t *testing.T) {
		s := NewSource("c", "/srv/git")
		s.Environments = map[string]string{"qa": "qa"}
		if got := s.EnvironmentOf("qa/shop/compose.yaml"); got != "qa" {
			t.Errorf("EnvironmentOf = %q, want qa", got)
		}
	})
}

func TestASourceNamesDeclaredEnvironmentsOnly(t *testing.T) {
	for _, tt := range []struct {
		name, source string
		want         []string
	}{
		{"an environment not declared, with those that are",
			"    environment: staging\n",
			[]string{"sources[0] config: environment", `"staging" is not declared`, "integration, production"}},
		{"a folder mapped to one not declared",
			"    environments: {qa: qa}\n",
			[]string{"environments.qa", `"qa" is not declared`, "integration, production"}},
		{"a folder that climbs out",
			"    environments: {../prod: production}\n",
			[]string{"environments.../prod", "relative to the source's path"}},
		{"an environment that is no name",
			"    environment: Prod\n",
			[]string{"environment", "the name of an environment"}},
		{"no environment where several are declared",
			"",
			[]string{"sources[0] config: berth.yaml declares several environments (integration, production)", "environment: NAME"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.load([]byte(envsFile("  - name: config\n    url: https://h/r.git\n"+tt.source)), "berth.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
	t.Run("without environments declared, only the default one", func(t *testing.T) {
		c := Default()
		s := NewSource("config", "https://h/r.git")
		s.Environment = DefaultEnvironment
		c.Sources = []Source{s}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		c.Sources[0].Environment = "integration"
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "there are production") {
			t.Fatalf("Validate = %v, want integration refused with the one there is", err)
		}
	})
}

func TestAddSourceWritesItsEnvironments(t *testing.T) {
	s := NewSource("config", "https://git.example.com/ops/config.git")
	s.Path = "envs"
	s.Environments = map[string]string{"integration": "integration", "production": "production"}
	node, err := sourceNode(s)
	if err != nil {
		t.Fatal(err)
	}
	var back Source
	if err := node.Load(&back); err != nil {
		t.Fatal(err)
	}
	if !back.Equal(s) {
		t.Fatalf("read back %+v, want %+v", back, s)
	}
}
