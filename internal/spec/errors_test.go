package spec

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// problems returns the problems in err, failing the test unless err is
// Errors wrapping ErrInvalid.
func problems(t testing.TB, err error) Errors {
	t.Helper()
	var es Errors
	if !errors.As(err, &es) || !errors.Is(err, ErrInvalid) {
		t.Fatalf("error = %v (%T), want Errors wrapping ErrInvalid", err, err)
	}
	return es
}

// svc is a spec with one service, web, whose body is the lines given;
// line 4 of the spec is the first of them.
func svc(lines ...string) string {
	return "name: shop\nservices:\n  web:\n    " + strings.Join(lines, "\n    ") + "\n"
}

// routed is svc with an image and a route, then x-berth's other keys;
// line 7 is the first of them.
func routed(lines ...string) string {
	return svc(append([]string{"image: shop/web:v1", "x-berth:", "  route: {host: shop.local, port: 8080}"},
		prefix("  ", lines)...)...)
}

func prefix(p string, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = p + l
	}
	return out
}

func TestParseReportsProblemsWithFileLineAndPath(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		path string
		msg  string
	}{
		{"an unknown Compose key", svc("image: a:v1", "bogus: 1"), 5, "services.web.bogus", "unknown key bogus"},
		{"an unknown top-level key", "name: shop\nfoo: 1\nservices: {web: {image: a:v1}}\n", 2, "foo", "unknown key foo"},
		{"an unknown x-berth key", routed("frob: 1"), 7, "services.web.x-berth.frob", "unknown key frob"},
		{"x-berth that is not a mapping", svc("image: a:v1", "x-berth: [1]"), 5, "services.web.x-berth", "must be a mapping"},
		{"a route of the wrong type", svc("image: a:v1", "x-berth:", "  route: 8080"), 6, "services.web.x-berth.route", "must be a mapping"},
		{"a bad duration", routed("health: {interval: soon}"), 7, "services.web.x-berth.health.interval", `"soon" is not a duration`},
		{"a duration without a unit", routed("ready_after: 5"), 7, "services.web.x-berth.ready_after", "write it with a unit"},
		{"a negative duration", routed("analysis: {window: -1s}"), 7, "services.web.x-berth.analysis.window", "negative"},
		{"a port out of range", svc("image: a:v1", "x-berth:", "  route: {host: a.local, port: 70000}"), 6, "services.web.x-berth.route.port", "70000 is out of range 1-65535"},
		{"a port that is not a number", svc("image: a:v1", "x-berth:", "  route: {host: a.local, port: http}"), 6, "services.web.x-berth.route.port", `"http" is not a whole number`},
		{"a route without a port", svc("image: a:v1", "x-berth:", "  route: {host: a.local}"), 6, "services.web.x-berth.route", "needs a port"},
		{"a port without a host", svc("image: a:v1", "x-berth:", "  route: {port: 8080}"), 6, "services.web.x-berth.route", "needs a host"},
		{"a host that is not a DNS name", svc("image: a:v1", "x-berth:", "  route: {host: shop_front.local, port: 80}"), 6, "services.web.x-berth.route.host", `"shop_front.local" is not a DNS name`},
		{"a host with an empty label", svc("image: a:v1", "x-berth:", "  route: {host: shop..local, port: 80}"), 6, "services.web.x-berth.route.host", "empty label"},
		{"a misspelt strategy", routed("strategy: bluegreen"), 7, "services.web.x-berth.strategy", `"bluegreen" is not one of rolling, blue-green, canary`},
		{"steps with a rolling strategy", routed("steps: [{weight: 10}]"), 7, "services.web.x-berth.steps", "steps are for strategy canary, not rolling"},
		{"steps with blue-green", routed("strategy: blue-green", "steps: [{weight: 10}]"), 8, "services.web.x-berth.steps", "not blue-green"},
		{"a canary without steps", routed("strategy: canary"), 7, "services.web.x-berth.strategy", "a canary needs steps"},
		{"steps that are not a list", routed("strategy: canary", "steps: {weight: 10}"), 8, "services.web.x-berth.steps", "must be a list"},
		{"a step without a weight", routed("strategy: canary", "steps: [{pause: 1m}]"), 8, "services.web.x-berth.steps.0", "needs a weight"},
		{"weights that do not rise", routed("strategy: canary", "steps:", "  - weight: 50", "  - weight: 50"), 10, "services.web.x-berth.steps.1.weight", "does not rise"},
		{"a weight over 100", routed("strategy: canary", "steps: [{weight: 120}]"), 8, "services.web.x-berth.steps.0.weight", "120 is out of range 1-100"},
		{"a bad pause", routed("strategy: canary", "steps: [{weight: 10, pause: later}]"), 8, "services.web.x-berth.steps.0.pause", `"later" is not a duration`},
		{"health without a route", svc("image: a:v1", "x-berth:", "  health: {path: /healthz}"), 6, "services.web.x-berth.health", "health needs a route"},
		{"analysis without a route", svc("image: a:v1", "x-berth:", "  analysis: {window: 1m}"), 6, "services.web.x-berth.analysis", "analysis needs a route"},
		{"a canary without a route", svc("image: a:v1", "x-berth:", "  strategy: canary", "  steps: [{weight: 5}]"), 6, "services.web.x-berth.strategy", "needs a route"},
		{"blue-green without a route", svc("image: a:v1", "x-berth: {strategy: blue-green}"), 5, "services.web.x-berth.strategy", "needs a route"},
		{"a health path without a slash", routed("health: {path: healthz}"), 7, "services.web.x-berth.health.path", "not a URL path"},
		{"a zero health interval", routed("health: {interval: 0s}"), 7, "services.web.x-berth.health.interval", "more than 0s"},
		{"a threshold of zero", routed("health: {healthy_threshold: 0}"), 7, "services.web.x-berth.health.healthy_threshold", "out of range"},
		{"an error rate over 1", routed("analysis: {max_error_rate: 1.5}"), 7, "services.web.x-berth.analysis.max_error_rate", "1.5 is out of range 0-1"},
		{"negative min requests", routed("analysis: {min_requests: -1}"), 7, "services.web.x-berth.analysis.min_requests", "out of range"},
		{"keep_previous with rolling", routed("keep_previous: 1m"), 7, "services.web.x-berth.keep_previous", "for strategy blue-green"},
		{"a confirm that is neither manual nor auto", routed("strategy: blue-green", "confirm: later"), 8, "services.web.x-berth.confirm", "must be manual or auto"},
		{"confirm on a canary", routed("strategy: canary", "steps: [{weight: 5}]", "confirm: manual"), 9, "services.web.x-berth.confirm", "pause: manual"},
		{"confirm on a rolling update", routed("confirm: manual"), 7, "services.web.x-berth.confirm", "for strategy blue-green, not rolling"},
		{"x-berth at the top level", "name: shop\nx-berth: {route: 1}\nservices: {web: {image: a:v1}}\n", 2, "x-berth", "on services, not at the top level"},
		{"a service without an image", svc("command: [serve]"), 3, "services.web", "no image"},
		{"a service with only a build", svc("build: ."), 4, "services.web.build", "berth deploys images, not builds"},
		{"an image that is not a reference", svc("image: shop/Web:v1"), 4, "services.web.image", "not an image reference"},
		{"negative replicas", svc("image: a:v1", "deploy:", "  replicas: -1"), 6, "services.web.deploy.replicas", "-1 is negative"},
		{"negative scale", svc("image: a:v1", "scale: -2"), 5, "services.web.scale", "-2 is negative"},
		{"replicas that are not a number", svc("image: a:v1", "deploy: {replicas: many}"), 5, "services.web.deploy.replicas", `"many" is not a whole number`},
		{"scale and replicas that disagree", svc("image: a:v1", "scale: 2", "deploy: {replicas: 3}"), 5, "services.web.scale", "disagree"},
		{"global mode", svc("image: a:v1", "deploy: {mode: global}"), 5, "services.web.deploy.mode", "does not support global mode yet"},
		{"an unknown mode", svc("image: a:v1", "deploy: {mode: everywhere}"), 5, "services.web.deploy.mode", `"everywhere" is not one of replicated, global`},
		{"an unknown pull policy", svc("image: a:v1", "pull_policy: sometimes"), 5, "services.web.pull_policy", `"sometimes" is not one of always, missing, if_not_present, never`},
		{"a build pull policy", svc("image: a:v1", "pull_policy: build"), 5, "services.web.pull_policy", "berth deploys images, not builds"},
		{"a periodic pull policy", svc("image: a:v1", "pull_policy: daily"), 5, "services.web.pull_policy", "berth pulls when it deploys"},
		{"an unknown update order", svc("image: a:v1", "deploy:", "  update_config:", "    order: sideways"), 7, "services.web.deploy.update_config.order", `"sideways" is not one of start-first, stop-first`},
		{"an unknown failure action", svc("image: a:v1", "deploy:", "  update_config:", "    failure_action: shrug"), 7, "services.web.deploy.update_config.failure_action", `"shrug" is not one of rollback, pause, continue`},
		{"a rollback that rolls back", svc("image: a:v1", "deploy:", "  rollback_config:", "    failure_action: rollback"), 7, "services.web.deploy.rollback_config.failure_action", `"rollback" is not one of pause, continue`},
		{"negative parallelism", svc("image: a:v1", "deploy:", "  update_config:", "    parallelism: -1"), 7, "services.web.deploy.update_config.parallelism", "-1 is out of range"},
		{"a failure ratio over 1", svc("image: a:v1", "deploy:", "  update_config:", "    max_failure_ratio: 2"), 7, "services.web.deploy.update_config.max_failure_ratio", "2 is out of range 0-1"},
		{"a bad stop grace period", svc("image: a:v1", "stop_grace_period: forever"), 5, "services.web.stop_grace_period", `"forever" is not a duration`},
		{"a Compose duration without a unit", svc("image: a:v1", "stop_grace_period: 5"), 5, "services.web.stop_grace_period", "5 is not a duration; write it with a unit, like 5s"},
		{"a Compose duration with a bad unit", svc("image: a:v1", "deploy: {update_config: {monitor: 1x}}"), 5, "services.web.deploy.update_config.monitor", `"1x" is not a duration`},
		{"a command that is neither string nor list", svc("image: a:v1", "command: 5"), 5, "services.web.command", "must be a string or a list of strings"},
		{"a Compose value outside its enum", svc("image: a:v1", "depends_on: {db: {condition: healthy}}"), 5, "services.web.depends_on.db.condition", `"healthy" is not one of service_started`},
		{"only services with profiles", svc("image: a:v1", "profiles: [debug]"), 2, "services", "every one has profiles"},
		{"a healthcheck test of an unknown kind", svc("image: a:v1", "healthcheck:", "  test: [RUN, x]"), 6, "services.web.healthcheck.test", "must start with CMD, CMD-SHELL or NONE"},
		{"a reserved label", svc("image: a:v1", "labels:", "  berth.app: mine"), 6, "services.web.labels.berth.app", "berth. prefix"},
		{"a missing required variable", svc("image: ${NOPE_NOT_SET:?set the image}"), 4, "services.web.image", "required variable NOPE_NOT_SET is missing a value: set the image"},
		{"a bad interpolation", svc("image: a:v1", "command: echo ${"), 5, "services.web.command", "invalid interpolation"},
		{"a list item of the wrong type", svc("image: a:v1", "command: [serve, 1]"), 5, "services.web.command.1", "must be a string"},
		{"a key that is not a string", svc("image: a:v1", "labels:", "  1: one"), 6, "services.web.labels.1", "a key must be a string"},
		{"a duplicate key", svc("image: a:v1", "image: b:v1"), 5, "services.web.image", "duplicate key image (first at line 4)"},
		{"an undefined network", svc("image: a:v1", "networks: [back]"), 5, "services.web.networks", "undefined network back"},
		{"an include", "name: shop\ninclude: [other.yaml]\nservices: {web: {image: a:v1}}\n", 2, "include", "include is not supported"},
		{"an env_file not sent with the spec", svc("image: a:v1", "env_file: web.env"), 5, "services.web.env_file", "env file web.env was not found beside the spec"},
		{"a label_file not sent with the spec", svc("image: a:v1", "label_file: web.labels"), 5, "services.web.label_file", "label file web.labels was not found beside the spec"},
		{"extends from another file", svc("image: a:v1", "extends: {file: base.yaml, service: web}"), 5, "services.web.extends.file", "extends from another file"},
		{"a service that is not a mapping", "name: shop\nservices:\n  web: 1\n", 3, "services.web", "must be a mapping"},
		{"no services", "name: shop\nservices: {}\n", 2, "services", "the app has no services"},
		{"no name", "services: {web: {image: a:v1}}\n", 0, "name", "the app has no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src)
			es := problems(t, err)
			if len(es) != 1 {
				t.Fatalf("got %d problems, want 1:\n%v", len(es), err)
			}
			e := es[0]
			if e.File != "compose.yaml" || e.Line != tt.line || e.Path != tt.path || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("problem = %s (file %q, line %d, path %q)\nwant line %d, path %s, a message with %q",
					e, e.File, e.Line, e.Path, tt.line, tt.path, tt.msg)
			}
			loc := fmt.Sprintf("compose.yaml:%d:", tt.line)
			if tt.line == 0 {
				loc = "compose.yaml: "
			}
			if s := err.Error(); !strings.HasPrefix(s, loc) || !strings.Contains(s, tt.path+": ") {
				t.Fatalf("error %q does not start with %q and name %s", s, loc, tt.path)
			}
		})
	}
}

func TestParseReportsTheFileLevelProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"an empty file", "", 0, "the file is empty"},
		{"only comments", "# nothing\n", 0, "the file is empty"},
		{"a list, not a mapping", "- web\n", 1, "must be a mapping"},
		{"text that is not YAML", "services:\n  web: [\n", 2, "did not find expected"},
		{"a tab in the indentation", "services:\n\tweb: {}\n", 2, "found character that cannot start any token"},
		{"an anchor used inside itself", "name: shop\nservices:\n  web: &a {<<: *a, image: a:v1}\n", 3, "*a is inside the value anchored as &a"},
		{"an anchor used deep inside itself", "name: shop\nx: &a\n  y: [{z: *a}]\nservices: {web: {image: a:v1}}\n", 3, "cannot contain itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.src)
			es := problems(t, err)
			if len(es) != 1 || es[0].Line != tt.line || es[0].File != "compose.yaml" || !strings.Contains(es[0].Message, tt.msg) {
				t.Fatalf("problems = %v, want one at line %d with %q", err, tt.line, tt.msg)
			}
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	src := `name: shop
services:
  web:
    image: shop/web:v1
    bogus: true
    pull_policy: sometimes
    deploy:
      replicas: -1
      update_config: {order: sideways, failure_action: shrug}
    stop_grace_period: forever
    x-berth:
      route: {host: shop.local, port: 8080}
      strategy: bluegreen
  api:
    build: .
    environment:
      TOKEN: ${NOPE_NOT_SET:?set a token}
    x-berth:
      route: {host: api.shop.local}
      health: {interval: 5}
`
	_, err := parse(t, src)
	es := problems(t, err)
	want := []string{
		"compose.yaml:5:5: services.web.bogus: unknown key bogus",
		`compose.yaml:6:5: services.web.pull_policy: "sometimes" is not one of always, missing, if_not_present, never`,
		"compose.yaml:8:7: services.web.deploy.replicas: -1 is negative; replicas must be 0 or more",
		`compose.yaml:9:23: services.web.deploy.update_config.order: "sideways" is not one of start-first, stop-first`,
		`compose.yaml:9:40: services.web.deploy.update_config.failure_action: "shrug" is not one of rollback, pause, continue`,
		`compose.yaml:10:5: services.web.stop_grace_period: "forever" is not a duration (write it like 10s or 1m30s)`,
		`compose.yaml:13:7: services.web.x-berth.strategy: "bluegreen" is not one of rolling, blue-green, canary`,
		"compose.yaml:15:5: services.api.build: berth deploys images, not builds: build and push in CI, then set image",
		"compose.yaml:17:7: services.api.environment.TOKEN: required variable NOPE_NOT_SET is missing a value: set a token",
		"compose.yaml:19:7: services.api.x-berth.route: a route needs a port: the container port to send traffic to",
		"compose.yaml:20:16: services.api.x-berth.health.interval: 5 is not a duration; write it with a unit, like 5s",
	}
	got := make([]string, len(es))
	for i, e := range es {
		got[i] = e.Error()
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseRefusesTwoServicesOnOneHost(t *testing.T) {
	_, err := parse(t, `name: shop
services:
  api:
    image: shop/api:v1
    x-berth: {route: {host: shop.local, port: 80}}
  web:
    image: shop/web:v1
    x-berth:
      route: {host: Shop.Local, port: 80}
`)
	es := problems(t, err)
	if len(es) != 1 || es[0].Line != 9 || es[0].Path != "services.web.x-berth.route.host" ||
		!strings.Contains(es[0].Message, "already routed to service api") {
		t.Fatalf("problems = %v, want web's host refused at line 9", err)
	}
}

func TestErrorFormatsWhatItKnows(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"everything", &Error{File: "c.yaml", Line: 3, Column: 5, Path: "services.web", Message: "bad"}, "c.yaml:3:5: services.web: bad"},
		{"no column", &Error{File: "c.yaml", Line: 3, Path: "name", Message: "bad"}, "c.yaml:3: name: bad"},
		{"no line", &Error{File: "c.yaml", Path: "name", Message: "bad"}, "c.yaml: name: bad"},
		{"no path", &Error{File: "c.yaml", Line: 1, Column: 1, Message: "bad"}, "c.yaml:1:1: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Fatalf("Error() = %q, want %q", got, tt.want)
			}
			if !errors.Is(tt.err, ErrInvalid) {
				t.Fatal("does not wrap ErrInvalid")
			}
		})
	}
}
