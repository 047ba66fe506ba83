package docker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"
	"github.com/docker/go-connections/nat"

	"github.com/berth-dev/berth/internal/driver"
)

func TestObjectNamesAreStableReadableAndNeverShared(t *testing.T) {
	if got := objectName(scope{}, "shop", driver.DefaultNetwork); got != "berth-shop" {
		t.Errorf("the default network without an instance is %q, want berth-shop as before", got)
	}
	for _, tc := range []struct {
		s    scope
		want string
	}{
		{scope{instance: "i1"}, `^berth-i1-shop-data-[0-9a-f]{6}$`},
		{scope{env: "production"}, `^berth-production-shop-data-[0-9a-f]{6}$`},
		{scope{instance: "i1", env: "production"}, `^berth-i1-production-shop-data-[0-9a-f]{6}$`},
	} {
		re := regexp.MustCompile(tc.want)
		if got := objectName(tc.s, "shop", "data"); !re.MatchString(got) || got != objectName(tc.s, "shop", "data") {
			t.Errorf("objectName(%+v, shop, data) = %q, want a stable %s", tc.s, got, re)
		}
	}
	if got := objectName(scope{env: "production"}, "shop", driver.DefaultNetwork); got == "berth-shop" {
		t.Errorf("an environment's default network is %q, the network of the app without one", got)
	}
	// Made before environments: the hash must not change.
	if got := objectName(scope{instance: "i1"}, "shop", "data"); got != "berth-i1-shop-data-"+legacyHash("i1", "shop", "data") {
		t.Errorf("objectName(i1, shop, data) = %q, not the name it had before environments", got)
	}
	names := map[string]string{}
	for _, in := range [][4]string{
		{"", "", "a-b", "c"}, {"", "", "a", "b-c"}, {"i1", "", "a", "b"}, {"i2", "", "a", "b"}, {"", "", "i1-a", "b"},
		{"i1", "", "a-b", "default"}, {"i1", "", "a", "b-default"}, {"", "", "a_b", "c"}, {"", "", "a", "b_c"},
		{"", "e1", "a", "b"}, {"", "e2", "a", "b"}, {"i1", "e1", "a", "b"}, {"e1", "", "a", "b"},
		{"", "e1", "a", "default"}, {"", "", "e1-a", "default"}, {"i1", "e1", "a", "default"}, {"i1-e1", "", "a", "default"},
		{"", "e1-a", "b", "c"}, {"", "e1", "a-b", "c"}, {"i1", "", "e1-a", "b"},
	} {
		name := objectName(scope{instance: in[0], env: in[1]}, in[2], in[3])
		if prev, ok := names[name]; ok {
			t.Errorf("%v and %s share the name %s", in, prev, name)
		}
		names[name] = strings.Join(in[:], "/")
	}
}

// legacyHash is the 6 hex digits of a name made before environments.
func legacyHash(instance, app, name string) string {
	sum := sha256.Sum256([]byte(instance + "\x00" + app + "\x00" + name))
	return hex.EncodeToString(sum[:3])
}

func TestCandidateNamesLookForTheOldNamesWhenAdopting(t *testing.T) {
	name := func(instance, env string) string {
		return objectName(scope{instance: instance, env: env}, "shop", driver.DefaultNetwork)
	}
	for _, tc := range []struct {
		name  string
		d     *Driver
		fixed string
		want  []string
	}{
		{"without an instance", &Driver{}, "", []string{"berth-shop"}},
		{"with an instance", &Driver{instance: "i1"}, "", []string{name("i1", "")}},
		{"adopting", &Driver{instance: "i1", adopt: true}, "", []string{"berth-shop", name("i1", "")}},
		{"with a fixed name", &Driver{instance: "i1", adopt: true, env: "prod", adoptEnv: true}, "shared", []string{"shared"}},
		{"with an environment", &Driver{env: "prod"}, "", []string{name("", "prod")}},
		{"with an instance and an environment", &Driver{instance: "i1", env: "prod"}, "", []string{name("i1", "prod")}},
		{"adopting instances only", &Driver{instance: "i1", adopt: true, env: "prod"}, "",
			[]string{name("", "prod"), name("i1", "prod")}},
		{"adopting environments only", &Driver{instance: "i1", env: "prod", adoptEnv: true}, "",
			[]string{name("i1", ""), name("i1", "prod")}},
		{"adopting environments without an instance", &Driver{env: "prod", adoptEnv: true}, "",
			[]string{"berth-shop", name("", "prod")}},
		{"adopting both", &Driver{instance: "i1", adopt: true, env: "prod", adoptEnv: true}, "",
			[]string{"berth-shop", name("i1", ""), name("", "prod"), name("i1", "prod")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.candidateNames("shop", driver.DefaultNetwork, tc.fixed); !slices.Equal(got, tc.want) {
				t.Fatalf("candidateNames = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMineFollowsTheInstanceAndTheEnvironment(t *testing.T) {
	with := func(kv ...string) map[string]string {
		l := map[string]string{driver.LabelManaged: "1", driver.LabelApp: "shop"}
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return l
	}
	const inst, env = driver.LabelInstance, driver.LabelEnv
	for _, tc := range []struct {
		name   string
		d      *Driver
		labels map[string]string
		app    string
		want   bool
	}{
		{"an unlabelled object is a driver's without an instance", &Driver{}, with(), "shop", true},
		{"a labelled object is not a driver's without an instance", &Driver{}, with(inst, "i1"), "shop", false},
		{"its own instance's object is its", &Driver{instance: "i1"}, with(inst, "i1"), "shop", true},
		{"another instance's object is not", &Driver{instance: "i1", adopt: true}, with(inst, "i2"), "shop", false},
		{"an unlabelled object is not without adopting", &Driver{instance: "i1"}, with(), "shop", false},
		{"an unlabelled object is when adopting", &Driver{instance: "i1", adopt: true}, with(), "", true},
		{"another app's object is not", &Driver{instance: "i1"}, with(inst, "i1"), "cart", false},
		{"an object that is not berth's is not", &Driver{}, map[string]string{driver.LabelApp: "shop"}, "shop", false},

		{"an environment's object is not a driver's without one", &Driver{}, with(env, "prod"), "shop", false},
		{"its own environment's object is its", &Driver{env: "prod"}, with(env, "prod"), "shop", true},
		{"another environment's object is not", &Driver{env: "prod", adoptEnv: true}, with(env, "qa"), "", false},
		{"an object without an environment is not without adopting", &Driver{env: "prod"}, with(), "shop", false},
		{"an object without an environment is when adopting", &Driver{env: "prod", adoptEnv: true}, with(), "shop", true},
		{"its own environment's object of another instance is not",
			&Driver{instance: "i1", env: "prod", adoptEnv: true}, with(inst, "i2", env, "prod"), "shop", false},
		{"its own instance's object of another environment is not",
			&Driver{instance: "i1", adopt: true, env: "prod"}, with(inst, "i1", env, "qa"), "shop", false},
		{"an object without either label is an adopting driver's",
			&Driver{instance: "i1", adopt: true, env: "prod", adoptEnv: true}, with(), "shop", true},
		{"an object without either label is not when adopting environments only",
			&Driver{instance: "i1", env: "prod", adoptEnv: true}, with(), "shop", false},
		{"its instance's object from before environments is when adopting environments",
			&Driver{instance: "i1", env: "prod", adoptEnv: true}, with(inst, "i1"), "shop", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.mine(tc.labels, tc.app); got != tc.want {
				t.Fatalf("mine = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMountStringsRoundTrip(t *testing.T) {
	for _, m := range []driver.Mount{
		{Type: driver.MountBind, Source: "/srv", Target: "/conf", CreateHostPath: true},
		{Type: driver.MountBind, Source: "/srv", Target: "/conf", CreateHostPath: true, ReadOnly: true, SELinux: "z", Propagation: "rslave"},
	} {
		got, ok := parseBind(bindString(m))
		if !ok || asString(got) != asString(m) {
			t.Errorf("parseBind(%q) = %+v, want %+v", bindString(m), got, m)
		}
	}
	for _, m := range []driver.Mount{
		{Type: driver.MountTmpfs, Target: "/run"},
		{Type: driver.MountTmpfs, Target: "/run", ReadOnly: true, TmpfsSize: 1 << 20, TmpfsMode: 0o1777, TmpfsOptions: []string{"noexec", "uid=1000"}},
	} {
		if got := parseTmpfs(m.Target, tmpfsOptions(m)); asString(got) != asString(m) {
			t.Errorf("parseTmpfs(%q) = %+v, want %+v", tmpfsOptions(m), got, m)
		}
	}
}

func TestNetworkLabelRoundTrips(t *testing.T) {
	nets := []attachment{{spec: "back", host: "berth-i1-shop-back-abcdef", priority: 10}, {spec: "default", host: "berth-shop"}, {spec: "low", host: "x", priority: -2}}
	got := parseNetworkLabel(networkLabel(nets))
	if len(got) != len(nets) {
		t.Fatalf("parseNetworkLabel(%q) = %v", networkLabel(nets), got)
	}
	for i, n := range nets {
		if got[i] != (joinedNetwork{spec: n.spec, host: n.host, priority: n.priority}) {
			t.Errorf("network %d = %+v, want %+v", i, got[i], n)
		}
	}
}

func TestRefusalFollowsTheHost(t *testing.T) {
	old := &hostInfo{api: "1.41", cgroup: "1", swapLimit: true, oomKillDisable: true, storageDriver: "overlay2", backingFS: "extfs", rtBudget: 0}
	recent := &hostInfo{api: "1.51", cgroup: "2", storageDriver: "overlay2", backingFS: "xfs", rtBudget: -1, missingCaps: []string{"CAP_SYS_RESOURCE"}}
	for _, tc := range []struct {
		host    *hostInfo
		key     string
		refused bool
	}{
		{nil, "deploy.placement.constraints", true},
		{nil, "volumes.volume.subpath", false},
		{old, "volumes.volume.subpath", true},
		{recent, "volumes.volume.subpath", false},
		{old, "annotations", true},
		{recent, "annotations", false},
		{old, "networks.interface_name", true},
		{recent, "networks.interface_name", false},
		{old, "storage_opt", true},
		{recent, "storage_opt", false},
		{old, "memswap_limit", false},
		{recent, "memswap_limit", true},
		{old, "oom_kill_disable", false},
		{recent, "oom_kill_disable", true},
		{old, "mem_swappiness", false},
		{recent, "mem_swappiness", true},
		{old, "cpu_rt_runtime", true},
		{recent, "cpu_rt_period", true},
		{old, "privileged", false},
		{recent, "privileged", true},
		{old, "user", false},
	} {
		why := refusal(tc.host, tc.key)
		if (why != "") != tc.refused {
			t.Errorf("refusal(%+v, %s) = %q, want refused %v", tc.host, tc.key, why, tc.refused)
		}
		if why != "" && (!strings.Contains(why, "docker driver") || !strings.Contains(why, strings.Split(tc.key, ".")[0])) {
			t.Errorf("refusal of %s = %q: it names neither the driver nor the key", tc.key, why)
		}
	}
}

func TestRefusedKeysOfASpec(t *testing.T) {
	spec := driver.ContainerSpec{
		Health: &driver.Healthcheck{StartInterval: 1},
		Runtime: driver.Runtime{
			Mounts:     []driver.Mount{{Type: driver.MountVolume, Subpath: "x"}, {Type: driver.MountBind, Recursive: "enabled"}},
			Privileged: true,
			Restart:    driver.RestartPolicy{Delay: 1},
		},
	}
	got := refusedKeys(spec)
	// Every key the spec sets: refusal answers "" for those it applies.
	want := []string{"deploy.restart_policy.delay", "privileged", "volumes", "volumes.volume.subpath", "healthcheck.start_interval"}
	if !slices.Equal(got, want) {
		t.Fatalf("refusedKeys = %v, want %v", got, want)
	}
}

func TestMissingCapsReadsTheBoundingSet(t *testing.T) {
	status := "Name:\tdockerd\nCapBnd:\t000001fffeffffff\n"
	if got := missingCaps(status, 40); !slices.Equal(got, []string{"CAP_SYS_RESOURCE"}) {
		t.Errorf("missingCaps = %v, want CAP_SYS_RESOURCE", got)
	}
	if got := missingCaps("CapBnd:\t000001ffffffffff\n", 40); len(got) != 0 {
		t.Errorf("missingCaps of a full set = %v", got)
	}
	if got := missingCaps("Name:\tx\n", 40); got != nil {
		t.Errorf("missingCaps without CapBnd = %v", got)
	}
}

func TestDiscardedPicksTheWarningsOfSettingsLeftOut(t *testing.T) {
	got := discarded([]string{
		"Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
		"OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.",
		"Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.",
	})
	if len(got) != 2 || !strings.Contains(got[0], "Weight") || !strings.Contains(got[1], "swap") {
		t.Fatalf("discarded = %q", got)
	}
}

func TestDescribeLeavesOutWhatTheDaemonAdds(t *testing.T) {
	d := &Driver{}
	h := &hostInfo{api: "1.41", cgroup: "1", loggingDriver: "json-file", defaultRuntime: "runc"}
	id := "0123456789abcdef0123"
	c := container.InspectResponse{
		ContainerJSONBase: &container.ContainerJSONBase{ID: id, HostConfig: &container.HostConfig{
			IpcMode: "private", PidMode: "host", CgroupnsMode: "host", Runtime: "runc", ShmSize: 64 << 20,
			SecurityOpt: []string{"no-new-privileges:true", "label=disable"},
			LogConfig:   container.LogConfig{Type: "json-file", Config: map[string]string{}},
			MaskedPaths: []string{"/proc/kcore"}, RestartPolicy: container.RestartPolicy{Name: "no"},
			Resources: container.Resources{Memory: 64, MemorySwap: 128},
		}},
		Config: &container.Config{
			Hostname: id[:12], User: "app", WorkingDir: "/srv", StopSignal: "SIGTERM",
			ExposedPorts: map[nat.Port]struct{}{"8080/tcp": {}, "9090/tcp": {}},
			Labels:       map[string]string{driver.LabelApp: "shop", driver.LabelService: "web", LabelNetworks: "default=berth-shop"},
		},
		NetworkSettings: &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{
			"berth-shop": {Aliases: []string{"web", id[:12]}, MacAddress: "02:42:ac:11:00:02"},
		}},
	}
	img := &container.Config{User: "app", WorkingDir: "/srv", ExposedPorts: map[nat.Port]struct{}{"8080/tcp": {}}}
	got := d.describe(h, c, img)
	want := driver.Runtime{PID: "host", SecurityOpt: []string{"no-new-privileges:true"}, Expose: []string{"9090/tcp"}, Resources: driver.Resources{Memory: 64}}
	if asString(got) != asString(want) {
		t.Fatalf("describe =\n%s\nwant\n%s", asString(got), asString(want))
	}
}

func asString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}
