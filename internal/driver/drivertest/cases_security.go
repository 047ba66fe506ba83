package drivertest

import (
	"regexp"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// The Go runtime raises its soft limit of open files to the hard one,
// so the test app shows another limit.
var lockedMemoryRE = regexp.MustCompile(`(?m)^Max locked memory\s+65536\s+131072\s`)

func securityCases() []runtimeCase {
	return []runtimeCase{
		{
			name: "read_only makes the root filesystem read-only", key: "read_only",
			set: rt(func(r *driver.Runtime) { r.ReadOnly = true }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if msg := appWrite(t, inst, "/written", "x"); !strings.Contains(msg, "read-only file system") {
					t.Fatalf("writing to / answered %q, want a read-only file system", msg)
				}
			},
		},
		{
			name: "privileged gives every capability", key: "privileged",
			set: rt(func(r *driver.Runtime) { r.Privileged = true }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if caps := capabilities(t, inst); caps&(1<<capSysAdmin) == 0 {
					t.Fatalf("a privileged app's capabilities are %x, without CAP_SYS_ADMIN", caps)
				}
			},
		},
		{
			name: "cap_add adds a capability", key: "cap_add",
			set: rt(func(r *driver.Runtime) { r.CapAdd = []string{"NET_ADMIN"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if caps := capabilities(t, inst); caps&(1<<capNetAdmin) == 0 {
					t.Fatalf("the app's capabilities are %x, without CAP_NET_ADMIN", caps)
				}
			},
		},
		{
			name: "cap_drop drops a capability", key: "cap_drop",
			set: rt(func(r *driver.Runtime) { r.CapDrop = []string{"CHOWN"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if caps := capabilities(t, inst); caps&(1<<capChown) != 0 {
					t.Fatalf("the app's capabilities are %x, with CAP_CHOWN", caps)
				}
			},
		},
		{
			name: "security_opt no-new-privileges sets the process's flag", key: "security_opt",
			set: rt(func(r *driver.Runtime) { r.SecurityOpt = []string{"no-new-privileges:true"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := statusLine(t, inst, "NoNewPrivs"); got != "1" {
					t.Fatalf("NoNewPrivs is %q, want 1", got)
				}
			},
		},
		{
			name: "security_opt systempaths=unconfined unmasks /proc", key: "security_opt",
			set: rt(func(r *driver.Runtime) { r.SecurityOpt = []string{"systempaths=unconfined"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				// A masked /proc/keys is /dev/null mounted over it.
				if fi := appFile(t, inst, "/proc/keys"); fi.Type != "file" {
					t.Fatalf("/proc/keys is a %s: it is still masked", fi.Type)
				}
			},
		},
		{
			name: "devices makes a host device available", key: "devices",
			set: rt(func(r *driver.Runtime) {
				r.Devices = []driver.Device{{Source: "/dev/null", Target: "/dev/xnull", Permissions: "rw"}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if fi := appFile(t, inst, "/dev/xnull"); fi.Type != "chardevice" {
					t.Fatalf("/dev/xnull is a %s, want a character device", fi.Type)
				}
			},
		},
		{
			name: "device_cgroup_rules allow devices by rule", key: "device_cgroup_rules",
			set: rt(func(r *driver.Runtime) { r.DeviceCgroupRules = []string{"c 1:3 mr"} }),
		},
		{
			name: "sysctls set namespaced kernel parameters", key: "sysctls",
			set: rt(func(r *driver.Runtime) { r.Sysctls = map[string]string{"net.core.somaxconn": "1024"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/proc/sys/net/core/somaxconn").Content; got != "1024\n" {
					t.Fatalf("net.core.somaxconn is %q, want 1024", got)
				}
			},
		},
		{
			name: "ulimits set the process's limits", key: "ulimits",
			set: rt(func(r *driver.Runtime) { r.Ulimits = []driver.Ulimit{{Name: "memlock", Soft: 65536, Hard: 131072}} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/proc/self/limits").Content; !lockedMemoryRE.MatchString(got) {
					t.Fatalf("the locked memory limit is not 65536/131072:\n%s", got)
				}
			},
		},
	}
}
