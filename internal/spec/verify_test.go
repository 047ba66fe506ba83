package spec

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestVerifyIsRead(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		env   map[string]string
		want  Verify
	}{
		{"an image alone, with the default timeout",
			[]string{"verify: {image: 'shop/smoke:v1'}"}, nil,
			Verify{Image: "shop/smoke:v1", Timeout: 5 * time.Minute}},
		{"a command as a list, an environment as a mapping and a timeout",
			[]string{"verify:", "  image: shop/smoke:v1", "  command: [check, --path, /healthz]", "  environment: {B: two, A: 1, C: true}", "  timeout: 30s"}, nil,
			Verify{Image: "shop/smoke:v1", Command: []string{"check", "--path", "/healthz"}, Env: []string{"A=1", "B=two", "C=true"}, Timeout: 30 * time.Second}},
		{"a command as a string is split as a shell would, an environment as a list",
			[]string{"verify:", "  image: shop/smoke:v1", `  command: check --body "hello world"`, "  environment: [B=two, A=1, EMPTY=]"}, nil,
			Verify{Image: "shop/smoke:v1", Command: []string{"check", "--body", "hello world"}, Env: []string{"A=1", "B=two", "EMPTY="}, Timeout: 5 * time.Minute}},
		{"a variable without a value takes the deployer's, or is left out",
			[]string{"verify:", "  image: shop/smoke:v1", "  environment: [TOKEN, UNSET]"}, map[string]string{"TOKEN": "s3"},
			Verify{Image: "shop/smoke:v1", Env: []string{"TOKEN=s3"}, Timeout: 5 * time.Minute}},
		{"an interpolated image",
			[]string{"verify: {image: 'shop/smoke:${SMOKE}'}"}, map[string]string{"SMOKE": "v7"},
			Verify{Image: "shop/smoke:v7", Timeout: 5 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := Parse("compose.yaml", []byte(routed(tt.lines...)), "", tt.env)
			if err != nil {
				t.Fatal(err)
			}
			got := app.Services[0].Verify
			if got == nil || !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("Verify = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestACanaryStepRunsTheVerification(t *testing.T) {
	app := mustParse(t, routed("strategy: canary", "steps: [{weight: 20, pause: 1m, verify: true}, {weight: 60, verify: false}]",
		"verify: {image: shop/smoke:v1}"))
	got := app.Services[0].Canary
	want := []CanaryStep{{Weight: 20, Pause: time.Minute, Verify: true}, {Weight: 60, Manual: true}, {Weight: 100}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("steps = %+v, want %+v", got, want)
	}
}

func TestVerifyProblemsAreLocated(t *testing.T) {
	job := "verify: {image: shop/smoke:v1}"
	tests := []struct {
		name string
		src  string
		line int
		path string
		msg  string
	}{
		{"verify without a route", svc("image: a:v1", "x-berth:", "  verify: {image: shop/smoke:v1}"), 6, "services.web.x-berth.verify", "verify needs a route"},
		{"an unknown key", routed("verify: {image: shop/smoke:v1, entrypoint: [sh]}"), 7, "services.web.x-berth.verify.entrypoint", "unknown key entrypoint (known: image, command, environment, timeout)"},
		{"no image", routed("verify: {command: [check]}"), 7, "services.web.x-berth.verify", "needs an image"},
		{"verify with nothing in it", routed("verify:"), 7, "services.web.x-berth.verify", "needs an image"},
		{"verify that is not a mapping", routed("verify: shop/smoke:v1"), 7, "services.web.x-berth.verify", "must be a mapping"},
		{"an image that is not a reference", routed("verify: {image: Shop/Smoke}"), 7, "services.web.x-berth.verify.image", "not an image reference"},
		{"an image that is not a string", routed("verify: {image: [a]}"), 7, "services.web.x-berth.verify.image", "must be a string"},
		{"a command item that is a number", routed("verify: {image: a:v1, command: [sleep, 10]}"), 7, "services.web.x-berth.verify.command.1", "must be a string, not the number 10; quote it"},
		{"a command that is a mapping", routed("verify: {image: a:v1, command: {a: b}}"), 7, "services.web.x-berth.verify.command", "must be a string or a list of strings"},
		{"a command with an open quote", routed(`verify: {image: a:v1, command: 'check "x'}`), 7, "services.web.x-berth.verify.command", "cannot be split into words"},
		{"an environment that is a string", routed("verify: {image: a:v1, environment: A=1}"), 7, "services.web.x-berth.verify.environment", "must be a mapping or a list"},
		{"an environment value that is a list", routed("verify: {image: a:v1, environment: {A: [1]}}"), 7, "services.web.x-berth.verify.environment.A", "must be a string, a number or a boolean"},
		{"berth's own variable", routed("verify: {image: a:v1, environment: {BERTH_TARGET_URL: x}}"), 7, "services.web.x-berth.verify.environment.BERTH_TARGET_URL", "berth sets BERTH_TARGET_URL itself"},
		{"a zero timeout", routed("verify: {image: a:v1, timeout: 0s}"), 7, "services.web.x-berth.verify.timeout", "more than 0s"},
		{"a timeout without a unit", routed("verify: {image: a:v1, timeout: 30}"), 7, "services.web.x-berth.verify.timeout", "write it with a unit"},
		{"a step marked verify without a job", routed("strategy: canary", "steps: [{weight: 10}, {weight: 50, verify: true}]"), 8, "services.web.x-berth.steps.1.verify", "runs x-berth.verify, which the service does not have"},
		{"a canary with a job and no step marked", routed("strategy: canary", "steps: [{weight: 10}]", job), 9, "services.web.x-berth.verify", "no step is"},
		{"a step's verify that is not a flag", routed("strategy: canary", "steps: [{weight: 10, verify: maybe}]", job), 8, "services.web.x-berth.steps.0.verify", "must be true or false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src)
			es := problems(t, err)
			if len(es) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(es), err)
			}
			e := es[0]
			if e.Line != tt.line || e.Path != tt.path || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("problem = %s (line %d, path %q)\nwant line %d, path %s, a message with %q", e, e.Line, e.Path, tt.line, tt.path, tt.msg)
			}
		})
	}
}

func TestVerifyLeavesConfigDigestAlone(t *testing.T) {
	steps := "steps: [{weight: 20, pause: 1m}]"
	plain := mustParse(t, routed("strategy: canary", steps))
	checked := mustParse(t, routed("strategy: canary", "steps: [{weight: 20, pause: 1m, verify: true}]",
		"verify: {image: shop/smoke:v1, command: [check], timeout: 1m}"))
	if plain.Services[0].ConfigDigest() != checked.Services[0].ConfigDigest() {
		t.Error("adding a verification job changed ConfigDigest: the service's containers would roll for nothing")
	}
	if plain.Hash == checked.Hash {
		t.Error("adding a verification job left App.Hash the same: it changes how the app rolls out")
	}
	if !checked.Services[0].Canary[0].Verify {
		t.Error("ConfigDigest cleared the step's verify on the service itself")
	}
}
