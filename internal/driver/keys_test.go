package driver

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestEveryRuntimeFieldNamesItsKey(t *testing.T) {
	yes := true
	swappiness := int64(10)
	full := Runtime{
		User: "1", WorkingDir: "/w", Hostname: "h", DomainName: "d", ReadOnly: true, Init: &yes, Privileged: true,
		CapAdd: []string{"A"}, CapDrop: []string{"B"}, SecurityOpt: []string{"s"}, StopSignal: "SIGINT",
		GroupAdd: []string{"g"}, IPC: "host", PID: "host",
		Mounts: []Mount{{Type: MountTmpfs, Target: "/t"}, {Type: MountBind, Source: "/s", Target: "/b", Recursive: "disabled"},
			{Type: MountVolume, Source: "v", Target: "/v", Subpath: "x"}},
		Files:    []File{{Target: "/run/secrets/a", Secret: true}, {Target: "/c"}},
		Ports:    []PortBinding{{ContainerPort: 1}},
		Expose:   []string{"1/tcp"},
		Networks: []NetworkAttachment{{Name: "n", DriverOpts: map[string]string{"a": "b"}, GatewayPriority: 1, InterfaceName: "i", LinkLocalIPs: []string{"l"}, MacAddress: "m"}},
		Resources: Resources{NanoCPUs: 1, CPUShares: 1, CPUSet: "0", Memory: 1, MemoryReservation: 1, MemorySwap: 1, PidsLimit: 1,
			ReservedNanoCPUs: 1, OomKillDisable: true, OomScoreAdj: 1, CPUPeriod: 1, CPUQuota: 1, CPURealtimePeriod: 1,
			CPURealtimeRuntime: 1, MemorySwappiness: &swappiness, Blkio: &Blkio{Weight: 10}},
		Ulimits: []Ulimit{{Name: "n"}}, Sysctls: map[string]string{"a": "b"}, ShmSize: 1,
		ExtraHosts: []string{"a:1"}, DNS: []string{"1"}, DNSSearch: []string{"s"}, DNSOptions: []string{"o"},
		Devices: []Device{{Source: "/d"}}, Logging: &Logging{Driver: "none"},
		Restart:     RestartPolicy{Name: RestartAlways, Delay: time.Second, Window: time.Second},
		Annotations: map[string]string{"a": "b"}, TTY: true, StdinOpen: true, Cgroup: "host", UTS: "host",
		UsernsMode: "host", CgroupParent: "p", OCIRuntime: "runc", StorageOpt: map[string]string{"a": "b"},
		DeviceCgroupRules: []string{"r"},
	}
	// Every field of the full runtime is set: a field added later
	// without a key fails here.
	checkAllSet(t, reflect.ValueOf(full), "Runtime")
	keys := full.Keys()
	if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
		t.Fatalf("Keys() = %v: want sorted and without duplicates", keys)
	}
	// Each field alone names a key of its own.
	v := reflect.ValueOf(full)
	seen := map[string]string{}
	for i := range v.NumField() {
		var one Runtime
		reflect.ValueOf(&one).Elem().Field(i).Set(v.Field(i))
		got := one.Keys()
		name := v.Type().Field(i).Name
		if len(got) == 0 {
			t.Errorf("Runtime.%s names no key", name)
		}
		for _, k := range got {
			if other, ok := seen[k]; ok && other != name && k != "restart" && k != "volumes" {
				t.Errorf("Runtime.%s and Runtime.%s both name %q", name, other, k)
			}
			seen[k] = name
		}
	}
	if (Runtime{}).Keys() != nil {
		t.Errorf("an empty runtime names keys: %v", (Runtime{}).Keys())
	}
	data, _ := json.Marshal(keys)
	t.Logf("%d keys: %s", len(keys), data)
}

// checkAllSet fails for a zero field of v, a struct, at any depth.
func checkAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	for i := range v.NumField() {
		f := v.Field(i)
		name := path + "." + v.Type().Field(i).Name
		if f.IsZero() {
			t.Errorf("%s is not set in the test's full runtime", name)
		}
		if f.Type() == reflect.TypeOf(Resources{}) {
			checkAllSet(t, f, name)
		}
	}
}
