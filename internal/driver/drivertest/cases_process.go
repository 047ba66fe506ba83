package drivertest

import (
	"cmp"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// runtimeCases are every key the suite checks, by family.
func runtimeCases() []runtimeCase {
	var all []runtimeCase
	for _, family := range [][]runtimeCase{processCases(), securityCases(), storageCases(), networkCases(), resourceCases()} {
		all = append(all, family...)
	}
	return all
}

// rt sets the spec's runtime with f, for cases that only do that.
func rt(f func(*driver.Runtime)) func(*testing.T, *suite, *driver.ContainerSpec) {
	return func(_ *testing.T, _ *suite, spec *driver.ContainerSpec) { f(&spec.Runtime) }
}

func processCases() []runtimeCase {
	yes := true
	return []runtimeCase{
		{
			name: "user runs the process as that uid and gid", key: "user",
			set: rt(func(r *driver.Runtime) { r.User = "1000:1001" }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if id := appID(t, inst); id.UID != 1000 || id.GID != 1001 {
					t.Fatalf("the app runs as %d:%d, want 1000:1001", id.UID, id.GID)
				}
			},
		},
		{
			name: "working_dir is the process's directory", key: "working_dir",
			set: rt(func(r *driver.Runtime) { r.WorkingDir = "/work" }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if id := appID(t, inst); id.Cwd != "/work" {
					t.Fatalf("the app's directory is %q, want /work", id.Cwd)
				}
			},
		},
		{
			name: "hostname is the container's host name", key: "hostname",
			set: rt(func(r *driver.Runtime) { r.Hostname = "box" }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if id := appID(t, inst); id.Hostname != "box" {
					t.Fatalf("the host name is %q, want box", id.Hostname)
				}
			},
		},
		{
			name: "domainname is the container's domain name", key: "domainname",
			set: rt(func(r *driver.Runtime) { r.DomainName = "example.test" }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if id := appID(t, inst); id.DomainName != "example.test" {
					t.Fatalf("the domain name is %q, want example.test", id.DomainName)
				}
			},
		},
		{
			name: "init runs an init process as PID 1", key: "init",
			set: rt(func(r *driver.Runtime) { r.Init = &yes }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if id := appID(t, inst); id.PID == 1 {
					t.Fatal("the app is PID 1: no init process runs")
				}
			},
		},
		{
			name: "stop_signal is the signal Stop sends", key: "stop_signal",
			set: rt(func(r *driver.Runtime) { r.StopSignal = "SIGUSR1" }),
			inside: func(t *testing.T, _ *suite, d driver.Driver, inst driver.Instance) {
				if err := d.Stop(ctx(t), inst.ID, 10*time.Second); err != nil {
					t.Fatal(err)
				}
				if got, err := d.Inspect(ctx(t), inst.ID); err != nil || got.ExitCode != 0 {
					t.Fatalf("after Stop: %+v, %v; want exit code 0", got, err)
				}
				if logs := logsOf(t, d, inst.ID); !strings.Contains(logs, "testapp v1 got SIGUSR1\n") {
					t.Fatalf("the logs do not show SIGUSR1: %q", logs)
				}
			},
		},
		{
			name: "tty gives a terminal whose output Logs reads", key: "tty",
			set: rt(func(r *driver.Runtime) { r.TTY = true }),
			inside: func(t *testing.T, _ *suite, d driver.Driver, inst driver.Instance) {
				if logs := logsOf(t, d, inst.ID); !strings.Contains(logs, startLine) {
					t.Fatalf("the logs of a container with a terminal are %q, want the start line", logs)
				}
			},
		},
		{
			name: "stdin_open keeps standard input open", key: "stdin_open",
			set: rt(func(r *driver.Runtime) { r.StdinOpen = true }),
		},
		{
			name: "group_add adds groups to the process", key: "group_add",
			set: rt(func(r *driver.Runtime) { r.GroupAdd = []string{"2000", "2001"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if id := appID(t, inst); !slices.Contains(id.Groups, 2000) || !slices.Contains(id.Groups, 2001) {
					t.Fatalf("the app's groups are %v, want 2000 and 2001 among them", id.Groups)
				}
			},
		},
		{
			name: "ipc sets the IPC namespace mode", key: "ipc",
			set: rt(func(r *driver.Runtime) { r.IPC = "shareable" }),
		},
		{
			name: "pid host shares the host's process namespace", key: "pid",
			set: rt(func(r *driver.Runtime) { r.PID = "host" }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if id := appID(t, inst); id.PID == 1 {
					t.Fatal("the app is PID 1: it has a process namespace of its own")
				}
			},
		},
		{
			name: "uts host shares the host's host name", key: "uts",
			set: rt(func(r *driver.Runtime) { r.UTS = "host" }),
		},
		{
			name: "userns_mode sets the user namespace mode", key: "userns_mode",
			set: rt(func(r *driver.Runtime) { r.UsernsMode = "host" }),
		},
		{
			name: "cgroup sets the cgroup namespace mode", key: "cgroup",
			set: rt(func(r *driver.Runtime) { r.Cgroup = otherCgroupns() }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				lines := strings.Split(strings.TrimSpace(appFile(t, inst, "/proc/self/cgroup").Content), "\n")
				private := !slices.ContainsFunc(lines, func(l string) bool { return !strings.HasSuffix(l, ":/") })
				if private != (otherCgroupns() == "private") {
					t.Fatalf("with cgroup %s, the app's cgroups are %q", otherCgroupns(), lines)
				}
			},
		},
		{
			name: "cgroup_parent makes the container's cgroup under it", key: "cgroup_parent",
			needs: func(env Env) string { return missing(env.CgroupParent == "", "CgroupParent") },
			set: func(t *testing.T, s *suite, spec *driver.ContainerSpec) {
				spec.Runtime.CgroupParent = cmp.Or(s.env.CgroupParent, "/berth-test")
			},
			inside: func(t *testing.T, s *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/proc/self/cgroup").Content; !strings.Contains(got, s.env.CgroupParent+"/") {
					t.Fatalf("the app's cgroups are not under %s: %q", s.env.CgroupParent, got)
				}
			},
		},
		{
			name: "runtime runs the container with that OCI runtime", key: "runtime",
			needs: func(env Env) string { return missing(env.OCIRuntime == "", "OCIRuntime") },
			set: func(t *testing.T, s *suite, spec *driver.ContainerSpec) {
				spec.Runtime.OCIRuntime = cmp.Or(s.env.OCIRuntime, "runc")
			},
		},
		{
			name: "annotations are on the container", key: "annotations",
			set: rt(func(r *driver.Runtime) { r.Annotations = map[string]string{"org.example.team": "shop"} }),
		},
		{
			name: "logging sets the log driver and Logs still reads", key: "logging",
			set: rt(func(r *driver.Runtime) {
				r.Logging = &driver.Logging{Driver: "json-file", Options: map[string]string{"max-size": "1m", "max-file": "2"}}
			}),
			inside: func(t *testing.T, _ *suite, d driver.Driver, inst driver.Instance) {
				if logs := logsOf(t, d, inst.ID); !strings.HasPrefix(logs, startLine) {
					t.Fatalf("the logs are %q, want the start line", logs)
				}
			},
		},
		{
			name: "restart on-failure restarts a crashing container up to its retries", key: "restart",
			set: func(_ *testing.T, _ *suite, spec *driver.ContainerSpec) {
				spec.Env = []string{"EXIT_AFTER=2s", "EXIT_CODE=3"}
				spec.Runtime.Restart = driver.RestartPolicy{Name: driver.RestartOnFailure, MaxRetries: 2}
			},
			inside: func(t *testing.T, _ *suite, d driver.Driver, inst driver.Instance) {
				restarted := false
				eventually(t, time.Minute, func() error {
					got, err := d.Inspect(ctx(t), inst.ID)
					if err != nil {
						return err
					}
					restarted = restarted || got.StartedAt.After(inst.StartedAt)
					if got.Alive() || !restarted {
						return fmt.Errorf("state %s, started at %s (first at %s)", got.State, got.StartedAt, inst.StartedAt)
					}
					if got.ExitCode != 3 {
						return fmt.Errorf("exit code %d, want 3", got.ExitCode)
					}
					return nil
				})
			},
		},
		{
			name: "deploy.restart_policy.delay waits between restarts", key: "deploy.restart_policy.delay",
			set: rt(func(r *driver.Runtime) {
				r.Restart = driver.RestartPolicy{Name: driver.RestartOnFailure, Delay: 5 * time.Second}
			}),
		},
		{
			name: "deploy.restart_policy.window judges a restart after that long", key: "deploy.restart_policy.window",
			set: rt(func(r *driver.Runtime) {
				r.Restart = driver.RestartPolicy{Name: driver.RestartOnFailure, Window: time.Minute}
			}),
		},
		{
			name: "healthcheck.start_interval checks often while the container starts", key: "healthcheck.start_interval",
			set: func(_ *testing.T, _ *suite, spec *driver.ContainerSpec) {
				spec.Health = &driver.Healthcheck{
					Test: []string{"CMD", "/app", "-healthcheck"}, Interval: time.Hour, Timeout: 3 * time.Second,
					Retries: 2, StartPeriod: time.Minute, StartInterval: 300 * time.Millisecond,
				}
			},
			inside: func(t *testing.T, _ *suite, d driver.Driver, inst driver.Instance) {
				// With an hour between checks, only start_interval's make
				// it healthy soon.
				eventually(t, 30*time.Second, func() error {
					got, err := d.Inspect(ctx(t), inst.ID)
					if err == nil && got.Health != "healthy" {
						err = fmt.Errorf("health is %q", got.Health)
					}
					return err
				})
			},
		},
	}
}

// missing returns name when is, for runtimeCase.needs.
func missing(is bool, name string) string {
	if is {
		return name
	}
	return ""
}

// otherCgroupns is the cgroup namespace mode that is not the default
// of the test's host: private on cgroup v1, host on v2.
func otherCgroupns() string {
	if _, err := os.Stat("/sys/fs/cgroup/cgroup.controllers"); err == nil {
		return "host"
	}
	return "private"
}
