package spec

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// runtimeOf parses a spec with one service, web, whose body is the lines
// given after its image, and returns web's Runtime.
func runtimeOf(t testing.TB, lines ...string) driver.Runtime {
	t.Helper()
	return mustParse(t, svc(append([]string{"image: a:v1"}, lines...)...)).Services[0].Runtime
}

// runtimeCase is one spec and the part of the Runtime it must give.
type runtimeCase struct {
	name  string
	lines []string
	get   func(driver.Runtime) any
	want  any
}

func runRuntimeCases(t *testing.T, cases []runtimeCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.get(runtimeOf(t, c.lines...)); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v\nwant %#v", got, c.want)
			}
		})
	}
}

func TestRuntimeIsZeroForAServiceThatSetsNothing(t *testing.T) {
	if r := runtimeOf(t); !reflect.DeepEqual(r, driver.Runtime{}) {
		t.Fatalf("Runtime = %+v, want the zero value", r)
	}
}

func TestRuntimeReadsIdentityAndSecurity(t *testing.T) {
	yes := true
	runRuntimeCases(t, []runtimeCase{
		{"user", []string{`user: "1000:1000"`}, func(r driver.Runtime) any { return r.User }, "1000:1000"},
		{"working_dir", []string{"working_dir: /app"}, func(r driver.Runtime) any { return r.WorkingDir }, "/app"},
		{"hostname and domainname", []string{"hostname: db", "domainname: shop.internal"},
			func(r driver.Runtime) any { return r.Hostname + "." + r.DomainName }, "db.shop.internal"},
		{"read_only", []string{"read_only: true"}, func(r driver.Runtime) any { return r.ReadOnly }, true},
		{"init", []string{"init: true"}, func(r driver.Runtime) any { return r.Init }, &yes},
		{"privileged", []string{"privileged: true"}, func(r driver.Runtime) any { return r.Privileged }, true},
		{"cap_add sorted, once each", []string{"cap_add: [SYS_TIME, NET_ADMIN, SYS_TIME]"},
			func(r driver.Runtime) any { return r.CapAdd }, []string{"NET_ADMIN", "SYS_TIME"}},
		{"cap_drop", []string{"cap_drop: [ALL]"}, func(r driver.Runtime) any { return r.CapDrop }, []string{"ALL"}},
		{"security_opt as written", []string{"security_opt: [no-new-privileges:true, label=disable]"},
			func(r driver.Runtime) any { return r.SecurityOpt }, []string{"no-new-privileges:true", "label=disable"}},
		{"security_opt with seccomp unconfined", []string{"security_opt: [seccomp=unconfined]"},
			func(r driver.Runtime) any { return r.SecurityOpt }, []string{"seccomp=unconfined"}},
		{"stop_signal", []string{"stop_signal: SIGINT"}, func(r driver.Runtime) any { return r.StopSignal }, "SIGINT"},
		{"group_add", []string{"group_add: [mail, '42']"}, func(r driver.Runtime) any { return r.GroupAdd }, []string{"mail", "42"}},
		{"ipc shareable", []string{"ipc: shareable"}, func(r driver.Runtime) any { return r.IPC }, "shareable"},
		{"pid host", []string{"pid: host"}, func(r driver.Runtime) any { return r.PID }, "host"},
		{"uts host", []string{"uts: host"}, func(r driver.Runtime) any { return r.UTS }, "host"},
		{"cgroup private", []string{"cgroup: private"}, func(r driver.Runtime) any { return r.Cgroup }, "private"},
		{"userns_mode host", []string{"userns_mode: host"}, func(r driver.Runtime) any { return r.UsernsMode }, "host"},
		{"cgroup_parent", []string{"cgroup_parent: shop.slice"}, func(r driver.Runtime) any { return r.CgroupParent }, "shop.slice"},
		{"runtime", []string{"runtime: runsc"}, func(r driver.Runtime) any { return r.OCIRuntime }, "runsc"},
		{"tty and stdin_open", []string{"tty: true", "stdin_open: true"}, func(r driver.Runtime) any { return r.TTY && r.StdinOpen }, true},
		{"annotations", []string{"annotations: {com.example.team: shop}"},
			func(r driver.Runtime) any { return r.Annotations }, map[string]string{"com.example.team": "shop"}},
		{"storage_opt", []string{"storage_opt: {size: 10G}"}, func(r driver.Runtime) any { return r.StorageOpt }, map[string]string{"size": "10G"}},
		{"device_cgroup_rules", []string{"device_cgroup_rules: ['c 1:3 mr']"},
			func(r driver.Runtime) any { return r.DeviceCgroupRules }, []string{"c 1:3 mr"}},
		{"devices", []string{"devices: [/dev/fuse, '/dev/sda:/dev/xvda:r']"}, func(r driver.Runtime) any { return r.Devices },
			[]driver.Device{{Source: "/dev/fuse", Target: "/dev/fuse", Permissions: "rwm"}, {Source: "/dev/sda", Target: "/dev/xvda", Permissions: "r"}}},
	})
}

func TestRuntimeReadsResources(t *testing.T) {
	swappiness := int64(10)
	res := func(r driver.Runtime) any { return r.Resources }
	runRuntimeCases(t, []runtimeCase{
		{"cpus in billionths", []string{"cpus: 0.5"}, res, driver.Resources{NanoCPUs: 5e8}},
		{"a tenth of a CPU exactly", []string{"cpus: 0.1"}, res, driver.Resources{NanoCPUs: 1e8}},
		{"deploy.resources.limits.cpus", []string{"deploy: {resources: {limits: {cpus: '1.5'}}}"}, res, driver.Resources{NanoCPUs: 15e8}},
		{"mem_limit", []string{"mem_limit: 64m"}, res, driver.Resources{Memory: 64 << 20}},
		{"deploy.resources.limits.memory", []string{"deploy: {resources: {limits: {memory: 64M}}}"}, res, driver.Resources{Memory: 64 << 20}},
		{"mem_limit and the same deploy limit", []string{"mem_limit: 1g", "deploy: {resources: {limits: {memory: 1024m}}}"}, res, driver.Resources{Memory: 1 << 30}},
		{"pids both ways", []string{"pids_limit: 100", "deploy: {resources: {limits: {pids: 100}}}"}, res, driver.Resources{PidsLimit: 100}},
		{"reservations", []string{"deploy: {resources: {reservations: {memory: 32m, cpus: '0.25'}}}"}, res,
			driver.Resources{MemoryReservation: 32 << 20, ReservedNanoCPUs: 25e7}},
		{"mem_reservation and memswap_limit", []string{"mem_reservation: 16m", "memswap_limit: -1"}, res,
			driver.Resources{MemoryReservation: 16 << 20, MemorySwap: -1}},
		{"cpu_shares and cpuset", []string{"cpu_shares: 512", "cpuset: 0-1"}, res, driver.Resources{CPUShares: 512, CPUSet: "0-1"}},
		{"the CFS and real-time periods", []string{"cpu_period: 100000", "cpu_quota: 50000", "cpu_rt_period: 1000000", "cpu_rt_runtime: 950000"}, res,
			driver.Resources{CPUPeriod: 100000, CPUQuota: 50000, CPURealtimePeriod: 1000000, CPURealtimeRuntime: 950000}},
		{"oom settings", []string{"oom_kill_disable: true", "oom_score_adj: -500"}, res, driver.Resources{OomKillDisable: true, OomScoreAdj: -500}},
		{"mem_swappiness", []string{"mem_swappiness: 10"}, res, driver.Resources{MemorySwappiness: &swappiness}},
		{"blkio_config", []string{"blkio_config: {weight: 300, weight_device: [{path: /dev/sda, weight: 400}], device_read_bps: [{path: /dev/sda, rate: 12mb}]}"}, res,
			driver.Resources{Blkio: &driver.Blkio{Weight: 300, WeightDevice: []driver.WeightDevice{{Path: "/dev/sda", Weight: 400}},
				DeviceReadBps: []driver.ThrottleDevice{{Path: "/dev/sda", Rate: 12 << 20}}}}},
		{"ulimits single and soft/hard", []string{"ulimits: {nproc: 65535, nofile: {soft: 20000, hard: 40000}}"},
			func(r driver.Runtime) any { return r.Ulimits },
			[]driver.Ulimit{{Name: "nofile", Soft: 20000, Hard: 40000}, {Name: "nproc", Soft: 65535, Hard: 65535}}},
		{"shm_size", []string{"shm_size: 256m"}, func(r driver.Runtime) any { return r.ShmSize }, int64(256 << 20)},
		{"sysctls as a list", []string{"sysctls: [net.core.somaxconn=1024]"}, func(r driver.Runtime) any { return r.Sysctls },
			map[string]string{"net.core.somaxconn": "1024"}},
	})
}

func TestRuntimeReadsNetworkingLoggingAndRestart(t *testing.T) {
	runRuntimeCases(t, []runtimeCase{
		{"extra_hosts sorted", []string{"extra_hosts: ['db=10.0.0.2', 'cache:10.0.0.3']"}, func(r driver.Runtime) any { return r.ExtraHosts },
			[]string{"cache:10.0.0.3", "db:10.0.0.2"}},
		{"dns, dns_search and dns_opt", []string{"dns: 1.1.1.1", "dns_search: [shop.internal]", "dns_opt: [use-vc]"},
			func(r driver.Runtime) any { return [][]string{r.DNS, r.DNSSearch, r.DNSOptions} },
			[][]string{{"1.1.1.1"}, {"shop.internal"}, {"use-vc"}}},
		{"logging", []string{"logging: {driver: json-file, options: {max-size: 10m}}"}, func(r driver.Runtime) any { return r.Logging },
			&driver.Logging{Driver: "json-file", Options: map[string]string{"max-size": "10m"}}},
		{"restart always", []string{"restart: always"}, func(r driver.Runtime) any { return r.Restart }, driver.RestartPolicy{Name: "always"}},
		{"restart no is the zero policy", []string{`restart: "no"`}, func(r driver.Runtime) any { return r.Restart }, driver.RestartPolicy{}},
		{"restart on-failure with a count", []string{"restart: on-failure:3"}, func(r driver.Runtime) any { return r.Restart },
			driver.RestartPolicy{Name: "on-failure", MaxRetries: 3}},
		{"deploy.restart_policy", []string{"deploy: {restart_policy: {condition: on-failure, max_attempts: 5, delay: 5s, window: 1m}}"},
			func(r driver.Runtime) any { return r.Restart },
			driver.RestartPolicy{Name: "on-failure", MaxRetries: 5, Delay: 5 * time.Second, Window: time.Minute}},
		{"restart_policy any is always", []string{"restart: always", "deploy: {restart_policy: {condition: any}}"},
			func(r driver.Runtime) any { return r.Restart }, driver.RestartPolicy{Name: "always"}},
		{"the default network alone is the zero value", []string{"networks: [default]"}, func(r driver.Runtime) any { return r.Networks },
			[]driver.NetworkAttachment(nil)},
		{"mac_address goes to the first network", []string{"mac_address: 02:42:ac:11:00:03"}, func(r driver.Runtime) any { return r.Networks },
			[]driver.NetworkAttachment{{Name: "default", MacAddress: "02:42:ac:11:00:03"}}},
	})
}

func TestRuntimeReadsNetworksByPriorityWithTheirSettings(t *testing.T) {
	app := mustParse(t, svc("image: a:v1",
		"networks:",
		"  front: {aliases: [www, api, www]}",
		"  back: {priority: 10, ipv4_address: 10.5.0.9, mac_address: '02:42:AC:11:00:02', gw_priority: 1, interface_name: eth7,",
		"    use_service_name_alias: false, link_local_ips: [169.254.8.8], driver_opts: {com.example.opt: x}}",
	)+"networks: {front: {}, back: {}}\n")
	want := []driver.NetworkAttachment{
		{Name: "back", IPv4Address: "10.5.0.9", Priority: 10, MacAddress: "02:42:ac:11:00:02", GatewayPriority: 1, InterfaceName: "eth7",
			NoServiceAlias: true, LinkLocalIPs: []string{"169.254.8.8"}, DriverOpts: map[string]string{"com.example.opt": "x"}},
		{Name: "front", Aliases: []string{"api", "www"}},
	}
	if got := app.Services[0].Runtime.Networks; !reflect.DeepEqual(got, want) {
		t.Fatalf("Networks = %+v\nwant %+v", got, want)
	}
}

func TestRuntimeRefusesBadValues(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		line  int
		path  string
		msg   string
	}{
		{"an unknown ipc mode", []string{"ipc: sideways"}, 5, "services.web.ipc", `"sideways" is not one of none, private, shareable, host`},
		{"a pid shared with a service", []string{"pid: service:db"}, 5, "services.web.pid", "berth replaces containers on every rollout"},
		{"an ipc shared with a container", []string{"ipc: container:db"}, 5, "services.web.ipc", "berth replaces containers on every rollout"},
		{"cpus that disagree", []string{"cpus: 0.5", "deploy: {resources: {limits: {cpus: '1'}}}"}, 6,
			"services.web.deploy.resources.limits.cpus", "disagrees with cpus"},
		{"memory limits that disagree", []string{"mem_limit: 64m", "deploy:", "  resources:", "    limits: {memory: 128m}"}, 8,
			"services.web.deploy.resources.limits.memory", "disagrees with mem_limit"},
		{"memory reservations that disagree", []string{"mem_reservation: 64m", "deploy: {resources: {reservations: {memory: 32m}}}"}, 6,
			"services.web.deploy.resources.reservations.memory", "disagrees with mem_reservation"},
		{"restart and restart_policy that disagree", []string{"restart: always", "deploy: {restart_policy: {condition: on-failure}}"}, 6,
			"services.web.deploy.restart_policy", `disagrees with restart "always"`},
		{"an unknown restart", []string{"restart: sometimes"}, 5, "services.web.restart", `"sometimes" is not one of no, always`},
		{"a retry count on always", []string{"restart: always:3"}, 5, "services.web.restart", "only on-failure takes a count"},
		{"an unknown restart condition", []string{"deploy: {restart_policy: {condition: sometimes}}"}, 5,
			"services.web.deploy.restart_policy.condition", `"sometimes" is not one of none, on-failure, any`},
		{"a swappiness over 100", []string{"mem_swappiness: 200"}, 5, "services.web.mem_swappiness", "200 is out of range 0-100"},
		{"a static address of the wrong family", []string{"networks: {default: {ipv4_address: 'fd00::5'}}"}, 5,
			"services.web.networks.default.ipv4_address", "not an address of this family"},
		{"a bad MAC address", []string{"mac_address: nope"}, 5, "services.web.mac_address", `"nope" is not a MAC address`},
		{"two MAC addresses that disagree", []string{"mac_address: 02:42:ac:11:00:03", "networks: {default: {mac_address: '02:42:ac:11:00:04'}}"}, 5,
			"services.web.mac_address", "differs from 02:42:ac:11:00:04 on network default"},
		{"a CDI device", []string{"devices: [nvidia.com/gpu=all]"}, 5, "services.web.devices.0", "a CDI device"},
		{"a seccomp profile not sent", []string{"security_opt: [seccomp=profile.json]"}, 5, "services.web.security_opt.0", "seccomp profile profile.json was not sent"},
		{"an unknown endpoint mode", []string{"deploy: {endpoint_mode: anycast}"}, 5, "services.web.deploy.endpoint_mode", `"anycast" is not one of vip, dnsrr`},
		{"a negative shm_size", []string{"shm_size: -1"}, 5, "services.web.shm_size", "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, svc(append([]string{"image: a:v1"}, tt.lines...)...))
			expectOne(t, err, tt.line, tt.path, tt.msg)
		})
	}
}

// expectOne fails the test unless err holds exactly one problem, at
// line of compose.yaml and path, with msg in its message.
func expectOne(t testing.TB, err error, line int, path, msg string) {
	t.Helper()
	es := problems(t, err)
	if len(es) != 1 {
		t.Fatalf("got %d problems, want 1:\n%v", len(es), err)
	}
	e := es[0]
	if e.File != "compose.yaml" || e.Line != line || e.Path != path || !strings.Contains(e.Message, msg) {
		t.Fatalf("problem = %s\nwant line %d, path %s, a message with %q", e, line, path, msg)
	}
}

func TestRuntimeReadsASeccompProfileSentWithTheSpec(t *testing.T) {
	src := svc("image: a:v1", "security_opt: [seccomp=./profile.json, no-new-privileges:true]")
	app, err := Read(Input{Data: []byte(src), Files: map[string][]byte{"./profile.json": []byte("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n")}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`seccomp={"defaultAction":"SCMP_ACT_ALLOW"}`, "no-new-privileges:true"}
	if got := app.Services[0].Runtime.SecurityOpt; !reflect.DeepEqual(got, want) {
		t.Fatalf("SecurityOpt = %q, want %q", got, want)
	}
}

func TestClusterKeysAreReadForDriversThatPlaceReplicas(t *testing.T) {
	app := mustParse(t, svc("image: a:v1", "deploy:",
		"  placement: {constraints: [node.role == worker], preferences: [{spread: node.labels.zone}], max_replicas_per_node: 2}",
		"  endpoint_mode: dnsrr",
		"  labels: {com.example.tier: web}",
		"  resources: {reservations: {generic_resources: [{discrete_resource_spec: {kind: SSD, value: 2}}]}}"))
	want := Cluster{
		Constraints: []string{"node.role == worker"}, Preferences: []string{"node.labels.zone"}, MaxReplicasPerNode: 2,
		EndpointMode: "dnsrr", Labels: map[string]string{"com.example.tier": "web"}, GenericResources: map[string]int64{"SSD": 2},
	}
	s := app.Services[0]
	if !reflect.DeepEqual(s.Cluster, want) {
		t.Fatalf("Cluster = %+v, want %+v", s.Cluster, want)
	}
	for _, k := range []string{"deploy.placement", "deploy.endpoint_mode", "deploy.labels", "deploy.resources.reservations.generic_resources"} {
		if !slices.Contains(s.Keys, k) {
			t.Errorf("Keys = %q, want %s among them for driver.Refuser", s.Keys, k)
		}
	}
}
