package spec

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/berth-dev/berth/internal/driver"
)

// richSpec sets most of what a service can say about its containers.
const richSpec = `name: shop
services:
  db:
    image: 127.0.0.1:5000/shop/db:v1
    user: "999:999"
    read_only: true
    working_dir: /var/lib/db
    hostname: db
    init: true
    cap_drop: [ALL]
    cap_add: [CHOWN, SETUID]
    security_opt: [no-new-privileges:true]
    stop_signal: SIGINT
    cpus: 1.5
    mem_limit: 512m
    memswap_limit: 1g
    pids_limit: 200
    cpu_shares: 512
    shm_size: 128m
    restart: on-failure:4
    ulimits:
      nofile: {soft: 1024, hard: 4096}
      nproc: 512
    sysctls: {net.core.somaxconn: "1024"}
    extra_hosts: ["metrics=10.0.0.9"]
    dns: [10.0.0.2]
    ports:
      - "127.0.0.1:6432:5432"
      - "9100-9101:9100-9101/udp"
      - target: 8080
        published: "18080"
        host_ip: 0.0.0.0
    volumes:
      - data:/var/lib/db
      - /srv/db/conf:/etc/db:ro
      - type: bind
        source: /srv/db/certs
        target: /certs
        read_only: true
        bind: {create_host_path: false}
      - type: volume
        source: wal
        target: /wal
        volume: {nocopy: true}
      - type: tmpfs
        target: /tmp
        tmpfs: {size: 67108864, mode: 0o1777}
    tmpfs: [/run]
    secrets:
      - db_password
      - source: tls_key
        target: tls.key
        mode: 0400
    configs:
      - db_conf
      - {source: motd, target: /etc/motd}
    deploy:
      resources:
        reservations: {memory: 256m}
volumes:
  data: {}
  wal: {}
secrets:
  db_password: {file: ./db_password.txt}
  tls_key: {environment: TLS_KEY}
configs:
  db_conf: {file: ./db.conf}
  motd: {content: hello}
`

// TestRuntimeAgreesWithComposeGo loads richSpec through compose-go's
// model and checks, key by key, that Runtime holds what docker compose
// makes of that model for the Engine API (pkg/compose/create.go).
func TestRuntimeAgreesWithComposeGo(t *testing.T) {
	env := map[string]string{"TLS_KEY": "k"}
	app, err := Read(Input{Data: []byte(richSpec), Env: env, Files: map[string][]byte{
		"./db_password.txt": []byte("pw"), "./db.conf": []byte("conf"),
	}})
	if err != nil {
		t.Fatal(err)
	}
	got := app.Services[0].Runtime
	proj, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: []byte(richSpec)}},
		Environment: env,
	}, func(o *loader.Options) { o.ResolvePaths = false; o.SkipResolveEnvironment = true })
	if err != nil {
		t.Fatal(err)
	}
	c := proj.Services["db"]
	check := func(key string, have, want any) {
		t.Helper()
		if !reflect.DeepEqual(have, want) {
			t.Errorf("%s: Runtime has %#v, docker compose would apply %#v", key, have, want)
		}
	}
	check("user", got.User, c.User)
	check("read_only", got.ReadOnly, c.ReadOnly)
	check("working_dir", got.WorkingDir, c.WorkingDir)
	check("hostname", got.Hostname, c.Hostname)
	check("init", got.Init, c.Init)
	check("cap_drop", got.CapDrop, sorted(c.CapDrop))
	check("cap_add", got.CapAdd, sorted(c.CapAdd))
	check("security_opt", got.SecurityOpt, c.SecurityOpt)
	check("stop_signal", got.StopSignal, c.StopSignal)
	check("cpus", got.Resources.NanoCPUs, int64(c.CPUS*1e9))
	check("mem_limit", got.Resources.Memory, int64(c.MemLimit))
	check("memswap_limit", got.Resources.MemorySwap, int64(c.MemSwapLimit))
	check("pids_limit", got.Resources.PidsLimit, c.PidsLimit)
	check("cpu_shares", got.Resources.CPUShares, c.CPUShares)
	check("reservations.memory", got.Resources.MemoryReservation, int64(c.Deploy.Resources.Reservations.MemoryBytes))
	check("shm_size", got.ShmSize, int64(c.ShmSize))
	check("sysctls", got.Sysctls, map[string]string(c.Sysctls))
	check("extra_hosts", got.ExtraHosts, sorted(c.ExtraHosts.AsList(":")))
	check("dns", got.DNS, []string(c.DNS))
	name, n, _ := strings.Cut(c.Restart, ":")
	check("restart", got.Restart, driver.RestartPolicy{Name: name, MaxRetries: atoi(n)})
	check("ulimits", got.Ulimits, composeUlimits(c.Ulimits))
	check("ports", got.Ports, composePorts(c.Ports))
	check("volumes and tmpfs", got.Mounts, composeMounts(c))
	check("secrets and configs", fileTargets(got.Files), composeFiles(c))
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// composeUlimits is create.go's toUlimits, sorted by name.
func composeUlimits(m map[string]*types.UlimitsConfig) []driver.Ulimit {
	var out []driver.Ulimit
	for name, u := range m {
		soft, hard := u.Single, u.Single
		if u.Soft != 0 {
			soft = u.Soft
		}
		if u.Hard != 0 {
			hard = u.Hard
		}
		out = append(out, driver.Ulimit{Name: name, Soft: int64(soft), Hard: int64(hard)})
	}
	slices.SortFunc(out, func(a, b driver.Ulimit) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// composePorts is create.go's buildContainerPortBindingOptions, as a
// sorted list.
func composePorts(ps []types.ServicePortConfig) []driver.PortBinding {
	var out []driver.PortBinding
	for _, p := range ps {
		out = append(out, driver.PortBinding{HostIP: p.HostIP, HostPort: p.Published, ContainerPort: int(p.Target), Protocol: p.Protocol})
	}
	slices.SortFunc(out, func(a, b driver.PortBinding) int {
		return cmp.Or(cmp.Compare(a.ContainerPort, b.ContainerPort), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out
}

// composeMounts is create.go's buildMount over volumes, with a bind's
// host path made when the legacy Binds API or CreateMountpoint would
// make it, and its tmpfs map over tmpfs.
func composeMounts(c types.ServiceConfig) []driver.Mount {
	var out []driver.Mount
	for _, v := range c.Volumes {
		m := driver.Mount{Type: v.Type, Source: v.Source, Target: v.Target, ReadOnly: v.ReadOnly}
		switch v.Type {
		case types.VolumeTypeBind:
			m.CreateHostPath = v.Bind == nil || bool(v.Bind.CreateHostPath)
		case types.VolumeTypeVolume:
			m.NoCopy = v.Volume != nil && v.Volume.NoCopy
		case types.VolumeTypeTmpfs:
			m.TmpfsSize, m.TmpfsMode = int64(v.Tmpfs.Size), v.Tmpfs.Mode
		}
		out = append(out, m)
	}
	for _, t := range c.Tmpfs {
		out = append(out, driver.Mount{Type: types.VolumeTypeTmpfs, Target: t})
	}
	slices.SortFunc(out, func(a, b driver.Mount) int { return cmp.Compare(a.Target, b.Target) })
	return out
}

// fileTarget is where a file goes and its mode.
type fileTarget struct {
	target string
	mode   uint32
}

func fileTargets(fs []driver.File) []fileTarget {
	var out []fileTarget
	for _, f := range fs {
		out = append(out, fileTarget{f.Target, f.Mode})
	}
	return out
}

// composeFiles is where secrets.go and create.go put secrets and
// configs, with createTar's default mode.
func composeFiles(c types.ServiceConfig) []fileTarget {
	var out []fileTarget
	mode := func(m *types.FileMode) uint32 {
		if m == nil {
			return 0o444
		}
		return uint32(*m)
	}
	for _, s := range c.Secrets {
		target := s.Target
		if !strings.HasPrefix(target, "/") {
			target = "/run/secrets/" + target
		}
		out = append(out, fileTarget{target, mode(s.Mode)})
	}
	for _, s := range c.Configs {
		target := s.Target
		if target == "" {
			target = "/" + s.Source
		}
		out = append(out, fileTarget{target, mode(s.Mode)})
	}
	slices.SortFunc(out, func(a, b fileTarget) int { return cmp.Compare(a.target, b.target) })
	return out
}
