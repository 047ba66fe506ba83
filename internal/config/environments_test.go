package config

import (
	"strings"
	"testing"
	"time"
)

func TestEnvironmentsLoadInOrderWithDefaults(t *testing.T) {
	c := Default()
	err := c.load([]byte(`environments:
  - name: integration
    host_suffix: int.example.com
  - name: qa
    promotion: {from: integration, auto: true, after: 10m}
  - name: production
    promotion: {from: qa, approval: manual}
`), "berth.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	envs := c.Envs()
	if got := strings.Join(c.EnvNames(), ","); got != "integration,qa,production" {
		t.Fatalf("environments %s", got)
	}
	if envs[0].Target.Kind != TargetDocker || envs[0].HostSuffix != "int.example.com" || envs[0].Promotion != nil {
		t.Errorf("integration: %+v", envs[0])
	}
	qa := envs[1].Promotion
	if !qa.Auto || qa.After != 10*time.Minute || qa.Approval != ApprovalNone || strings.Join(qa.Require, ",") != "healthy,verified" {
		t.Errorf("qa's rule: %+v", qa)
	}
	if p := envs[2].Promotion; p.Approval != ApprovalManual || p.Auto {
		t.Errorf("production's rule: %+v", p)
	}
	if e, err := c.Env(""); err != nil || e.Name != "integration" {
		t.Errorf("the default environment: %v %v", e.Name, err)
	}
	if _, err := c.Env("staging"); err == nil || !strings.Contains(err.Error(), "there are integration, qa, production") {
		t.Errorf("an unknown environment: %v", err)
	}
}

func TestNoEnvironmentsIsOneThatIsNeverNamed(t *testing.T) {
	c := Default()
	if got := c.EnvNames(); len(got) != 1 || got[0] != DefaultEnvironment {
		t.Fatalf("environments %v", got)
	}
}

func TestBadEnvironmentsAreRefused(t *testing.T) {
	for _, tt := range []struct{ name, file, want string }{
		{"a bad name", "  - name: Prod\n", `name "Prod": want lowercase letters`},
		{"a name twice", "  - name: qa\n  - name: qa\n", `environment "qa" is declared twice`},
		{"another target", "  - name: qa\n    target: {kind: kubernetes}\n", `target kind "kubernetes"`},
		{"a bad suffix", "  - name: qa\n    host_suffix: .qa.example.com\n", `host_suffix ".qa.example.com"`},
		{"promotion from nowhere", "  - name: qa\n    promotion: {auto: true}\n", "promotion needs from"},
		{"promotion from later", "  - name: qa\n    promotion: {from: production}\n  - name: production\n", `promotion from "production": not an environment declared before it`},
		{"promotion from itself", "  - name: qa\n    promotion: {from: qa}\n", "promotion from itself"},
		{"after without auto", "  - name: a\n  - name: b\n    promotion: {from: a, after: 1m}\n", "after is for auto: true"},
		{"an unknown requirement", "  - name: a\n  - name: b\n    promotion: {from: a, require: [tested]}\n", `require "tested": want healthy or verified`},
		{"an unknown approval", "  - name: a\n  - name: b\n    promotion: {from: a, approval: maybe}\n", `approval "maybe": want none or manual`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.load([]byte("environments:\n"+tt.file), "berth.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
}
