package deploy_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver/memory"
)

func TestAKeyTheDriverDoesNotApplyIsRefusedWithFileLineKeyAndDriver(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	v1 := h.image("shop/web", "v1")
	spec := "name: shop\nservices:\n  web:\n    image: " + v1 + "\n    user: \"1000\"\n"
	_, err := h.engine.Deploy(ctx(t), deploy.Request{File: "compose.yaml", Spec: []byte(spec), Actor: "test"})
	want := "compose.yaml:5:5: services.web.user: not supported by the memory driver"
	if !errors.Is(err, deploy.ErrSpec) || !strings.Contains(err.Error(), want) {
		t.Fatalf("Deploy = %v, want ErrSpec with %q", err, want)
	}
	if insts, _ := h.driver.List(ctx(t), "shop"); len(insts) != 0 {
		t.Fatalf("a refused spec started %d containers", len(insts))
	}
}

// volumeSpec is app db whose one service writes to a named volume, with
// the environment env.
func volumeSpec(ref, env string) string {
	return `name: db
services:
  db:
    image: ` + ref + `
    environment: {` + env + `}
    volumes: ["data:/data"]
    healthcheck: {test: ["CMD", "/app", "-healthcheck"], interval: 100ms, retries: 1}
    deploy: {update_config: {monitor: 1s}, rollback_config: {monitor: 50ms}}
volumes:
  data: {}
`
}

// writers checks from the driver's events that no two containers
// wrote to one volume at any moment.
func writers(t *testing.T, events []memory.Event) {
	t.Helper()
	alive := map[string]map[string]bool{} // volume -> containers
	for _, e := range events {
		for _, v := range e.Volumes {
			if alive[v] == nil {
				alive[v] = map[string]bool{}
			}
			switch e.Kind {
			case "start":
				for other := range alive[v] {
					t.Errorf("%s started while %s still wrote to volume %s", e.Container, other, v)
				}
				alive[v][e.Container] = true
			case "exit", "stop", "remove":
				delete(alive[v], e.Container)
			}
		}
	}
}

func TestAServiceWritingToAVolumeNeverHasTwoWriters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{record: []string{"volumes"}})
	v1, v2, v3 := h.image("db/db", "v1"), h.image("db/db", "v2"), h.image("db/db", "v3")
	for _, ref := range []string{v1, v2} {
		if rev := h.deploy(volumeSpec(ref, ""), nil); rev.Outcome != deploy.OutcomeSucceeded {
			t.Fatalf("%s: %s (%s):%s", ref, rev.Outcome, rev.Reason, eventsOf(rev))
		}
	}
	// v3 becomes unhealthy while it is watched, still running: the
	// automatic revert must stop it before v2 starts again.
	if rev := h.deploy(volumeSpec(v3, `FAIL_HEALTH_AFTER: "400ms"`), nil); rev.Outcome != deploy.OutcomeRolledBack {
		t.Fatalf("v3: %s (%s), want rolled back:%s", rev.Outcome, rev.Reason, eventsOf(rev))
	}
	rev, err := h.engine.Rollback(ctx(t), "db", 0, "test")
	if err != nil {
		t.Fatal(err)
	}
	if got := h.wait("db", rev.Number); got.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("rollback: %s (%s):%s", got.Outcome, got.Reason, eventsOf(got))
	}
	writers(t, h.driver.Events())
	if vols := h.driver.Volumes("db"); !slices.Equal(vols, []string{"data"}) {
		t.Fatalf("the app's volumes are %v, want [data]", vols)
	}
}

func TestRemoveKeepsTheAppsVolumesUnlessAsked(t *testing.T) {
	t.Parallel()
	for _, volumes := range []bool{false, true} {
		t.Run(fmt.Sprintf("volumes %v", volumes), func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{record: []string{"volumes"}})
			h.deploy(volumeSpec(h.image("db/db", "v1"), ""), nil)
			if _, err := h.engine.Remove(ctx(t), "db", deploy.RemoveOptions{Volumes: volumes}); err != nil {
				t.Fatal(err)
			}
			if got := len(h.driver.Volumes("db")); (got == 0) != volumes {
				t.Fatalf("after Remove with Volumes %v the app has %d volumes", volumes, got)
			}
		})
	}
}

// dependsSpec is app shop: web depends on api (healthy) and on migrate,
// a job that must complete first. Each service reports its version in
// VERSION and the job exits with JOB_EXIT.
func dependsSpec(web, api, job, jobExit string) string {
	return `name: shop
services:
  migrate:
    image: ` + job + `
    command: ["-exit", "` + jobExit + `"]
  api:
    image: ` + api + `
    deploy: {update_config: {monitor: 50ms}}
    healthcheck: {test: ["CMD", "/app", "-healthcheck"], interval: 100ms}
  web:
    image: ` + web + `
    deploy: {update_config: {monitor: 50ms}}
    depends_on:
      api: {condition: service_healthy, restart: true}
      migrate: {condition: service_completed_successfully}
    x-berth:
      route: {host: shop.test, port: 8080}
      health: {path: /healthz, interval: 100ms}
`
}

// starts lists the services in the order their containers started.
func starts(events []memory.Event, since int) []string {
	var out []string
	for _, e := range events[since:] {
		if e.Kind == "start" {
			out = append(out, e.Service)
		}
	}
	return out
}

func TestDependenciesStartAndRollFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	web, api, job := h.image("shop/web", "v1"), h.image("shop/api", "v1"), h.image("shop/migrate", "v1")
	rev := h.deploy(dependsSpec(web, api, job, "0"), nil)
	if rev.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("first deploy: %s (%s):%s", rev.Outcome, rev.Reason, eventsOf(rev))
	}
	if got := starts(h.driver.Events(), 0); !slices.Equal(got, []string{"api", "migrate", "web"}) {
		t.Fatalf("services started in the order %v, want api, migrate, web", got)
	}
	if !hasEvent(rev, "completed") {
		t.Fatalf("no event says the job completed:%s", eventsOf(rev))
	}

	// A new api restarts web (restart: true), after api.
	seen := len(h.driver.Events())
	api2 := h.image("shop/api", "v2")
	rev = h.deploy(dependsSpec(web, api2, job, "0"), nil)
	if rev.Outcome != deploy.OutcomeSucceeded || strings.Join(rev.Changed, ",") != "api,web" {
		t.Fatalf("new api: %s (%s), changed %v, want api then web:%s", rev.Outcome, rev.Reason, rev.Changed, eventsOf(rev))
	}
	if got := starts(h.driver.Events(), seen); !slices.Equal(got, []string{"api", "web"}) {
		t.Fatalf("services started in the order %v, want api, web", got)
	}
}

func TestAFailingJobFailsTheRolloutAndIsNotRunAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{engine: deploy.Options{ReconcileEvery: 50 * time.Millisecond}})
	web, api := h.image("shop/web", "v1"), h.image("shop/api", "v1")
	job1, job2 := h.image("shop/migrate", "v1"), h.image("shop/migrate", "v2")
	if rev := h.deploy(dependsSpec(web, api, job1, "0"), nil); rev.Outcome != deploy.OutcomeSucceeded {
		t.Fatalf("first deploy: %s (%s):%s", rev.Outcome, rev.Reason, eventsOf(rev))
	}
	rev := h.deploy(dependsSpec(h.image("shop/web", "v2"), api, job2, "3"), nil)
	if rev.Outcome != deploy.OutcomeRolledBack || !strings.Contains(rev.Reason, "exited with code 3") {
		t.Fatalf("a job exiting 3: %s (%s), want rolled back saying so:%s", rev.Outcome, rev.Reason, eventsOf(rev))
	}
	if v, err := h.get("shop.test"); err != nil || v != "v1" {
		t.Fatalf("GET / = %q, %v; want v1", v, err)
	}
	// The completed job of revision 1 stays as it ended: reconciling
	// neither removes nor runs it again.
	time.Sleep(300 * time.Millisecond)
	jobStarts := 0
	for _, s := range starts(h.driver.Events(), 0) {
		if s == "migrate" {
			jobStarts++
		}
	}
	if jobStarts != 2 {
		t.Fatalf("the job started %d times, want 2 (one per rollout)", jobStarts)
	}
}
