package spec

import (
	"reflect"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// volumesTop declares the named volumes the mount tests use.
const volumesTop = "volumes: {data: {}, cache: {}}\n"

func TestMountsReadBothSyntaxes(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		dir   string
		want  []driver.Mount
	}{
		{"a named volume, short", []string{"volumes: [data:/var/lib/data]"}, "",
			[]driver.Mount{{Type: "volume", Source: "data", Target: "/var/lib/data"}}},
		{"a named volume read-only with nocopy", []string{"volumes: ['data:/data:ro,nocopy']"}, "",
			[]driver.Mount{{Type: "volume", Source: "data", Target: "/data", ReadOnly: true, NoCopy: true}}},
		{"a named volume, long, with a subpath", []string{"volumes: [{type: volume, source: data, target: /data, volume: {nocopy: true, subpath: app}}]"}, "",
			[]driver.Mount{{Type: "volume", Source: "data", Target: "/data", NoCopy: true, Subpath: "app"}}},
		{"a short bind creates its host path", []string{"volumes: ['/srv/conf:/conf:ro,z']"}, "",
			[]driver.Mount{{Type: "bind", Source: "/srv/conf", Target: "/conf", ReadOnly: true, SELinux: "z", CreateHostPath: true}}},
		{"a long bind without bind options creates it too, as docker compose does", []string{"volumes: [{type: bind, source: /srv/conf, target: /conf}]"}, "",
			[]driver.Mount{{Type: "bind", Source: "/srv/conf", Target: "/conf", CreateHostPath: true}}},
		{"a long bind that asks not to create it", []string{"volumes: [{type: bind, source: /srv/conf, target: /conf, bind: {create_host_path: false, propagation: rshared, recursive: readonly}}]"}, "",
			[]driver.Mount{{Type: "bind", Source: "/srv/conf", Target: "/conf", Propagation: "rshared", Recursive: "readonly"}}},
		{"a relative bind read against the spec's directory", []string{"volumes: [./conf:/conf, ../shared:/shared]"}, "/srv/shop",
			[]driver.Mount{{Type: "bind", Source: "/srv/shop/conf", Target: "/conf", CreateHostPath: true},
				{Type: "bind", Source: "/srv/shared", Target: "/shared", CreateHostPath: true}}},
		{"a tmpfs volume", []string{"volumes: [{type: tmpfs, target: /scratch, tmpfs: {size: 64m, mode: 01777}}]"}, "",
			[]driver.Mount{{Type: "tmpfs", Target: "/scratch", TmpfsSize: 64 << 20, TmpfsMode: 0o1777}}},
		{"the tmpfs key, with options", []string{"tmpfs: ['/run:size=1g,mode=0755,noexec,uid=1000', /tmp]"}, "",
			[]driver.Mount{{Type: "tmpfs", Target: "/run", TmpfsSize: 1 << 30, TmpfsMode: 0o755, TmpfsOptions: []string{"noexec", "uid=1000"}},
				{Type: "tmpfs", Target: "/tmp"}}},
		{"sorted by target, whatever the order written", []string{"volumes: [cache:/z, data:/a]", "tmpfs: /m"}, "",
			[]driver.Mount{{Type: "volume", Source: "data", Target: "/a"}, {Type: "tmpfs", Target: "/m"},
				{Type: "volume", Source: "cache", Target: "/z"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := svc(append([]string{"image: a:v1", "x-berth: {shared_volumes: true}"}, tt.lines...)...) + volumesTop
			app, err := Read(Input{Data: []byte(src), Dir: tt.dir})
			if err != nil {
				t.Fatal(err)
			}
			if got := app.Services[0].Runtime.Mounts; !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Mounts = %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestMountsRefuseWhatDoesNotLast(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		line  int
		path  string
		msg   string
	}{
		{"an anonymous volume, short", []string{"volumes: [/data]"}, 5, "services.web.volumes.0", "anonymous volume is not supported"},
		{"an anonymous volume, long", []string{"volumes:", "  - {type: volume, target: /data}"}, 6, "services.web.volumes.0", "name it under the top-level volumes"},
		{"a volume not declared", []string{"volumes: [other:/data]"}, 5, "services.web.volumes.0", "volume other is not declared under the top-level volumes"},
		{"a relative bind without the spec's directory", []string{"volumes: [./conf:/conf]"}, 5, "services.web.volumes.0", "relative to the spec's directory, which berth was not given"},
		{"a bind in the deployer's home", []string{"volumes: ['~/conf:/conf']"}, 5, "services.web.volumes.0", "deploying user's home"},
		{"two mounts at one target", []string{"volumes: [data:/data]", "tmpfs: [/data]"}, 6, "services.web.tmpfs.0", "/data is already mounted by services.web.volumes.0"},
		{"an image mount", []string{"volumes: [{type: image, source: 'a:v1', target: /img}]"}, 5, "services.web.volumes.0.type", "berth does not mount images"},
		{"a npipe", []string{`volumes: [{type: npipe, source: '\\.\pipe\x', target: /p}]`}, 5, "services.web.volumes.0.type", "Windows"},
		{"labels on a mount", []string{"volumes: [{type: volume, source: data, target: /d, volume: {labels: {a: b}}}]"}, 5,
			"services.web.volumes.0.volume.labels", "set labels there"},
		{"a tmpfs size that is not one", []string{"tmpfs: ['/run:size=lots']"}, 5, "services.web.tmpfs.0", `size "lots" is not a size`},
		{"a tmpfs mode that is not octal", []string{"tmpfs: ['/run:mode=999']"}, 5, "services.web.tmpfs.0", `mode "999" is not an octal file mode`},
		{"a relative tmpfs", []string{"tmpfs: [run]"}, 5, "services.web.tmpfs.0", "not an absolute path"},
		{"an unknown recursive", []string{"volumes: [{type: bind, source: /a, target: /b, bind: {recursive: sometimes}}]"}, 5,
			"services.web.volumes.0.bind.recursive", `"sometimes" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, svc(append([]string{"image: a:v1"}, tt.lines...)...)+volumesTop)
			expectOne(t, err, tt.line, tt.path, tt.msg)
		})
	}
}

func TestAppResourcesReadTopLevelNetworksAndVolumes(t *testing.T) {
	app := mustParse(t, svc("image: a:v1", "networks: [front, legacy]")+`networks:
  front:
    driver: bridge
    driver_opts: {com.docker.network.bridge.name: br-shop}
    labels: {team: shop}
    internal: true
    attachable: true
    enable_ipv6: true
    ipam:
      driver: default
      config: [{subnet: 10.20.0.0/24, ip_range: 10.20.0.128/25, gateway: 10.20.0.1, aux_addresses: {host1: 10.20.0.5}}]
  legacy: {external: true, name: corp-net}
  fixed: {name: shop-fixed}
volumes:
  data: {driver: local, driver_opts: {type: tmpfs, device: tmpfs}, labels: [team=shop]}
  old: {external: true}
  named: {name: shop-named-data}
`)
	want := driver.AppResources{
		Networks: []driver.Network{
			{Name: "default"},
			{Name: "fixed", FixedName: "shop-fixed"},
			{Name: "front", Driver: "bridge", Options: map[string]string{"com.docker.network.bridge.name": "br-shop"},
				Labels: map[string]string{"team": "shop"}, Internal: true, Attachable: true, IPv6: true,
				Subnets: []string{"10.20.0.0/24"}, IPAMDriver: "default",
				Pools: []driver.IPAMPool{{Subnet: "10.20.0.0/24", IPRange: "10.20.0.128/25", Gateway: "10.20.0.1", AuxAddresses: map[string]string{"host1": "10.20.0.5"}}}},
			{Name: "legacy", External: "corp-net"},
		},
		Volumes: []driver.Volume{
			{Name: "data", Driver: "local", Options: map[string]string{"type": "tmpfs", "device": "tmpfs"}, Labels: map[string]string{"team": "shop"}},
			{Name: "named", FixedName: "shop-named-data"},
			{Name: "old", External: "old"},
		},
	}
	if !reflect.DeepEqual(app.Resources, want) {
		t.Fatalf("Resources = %+v\nwant %+v", app.Resources, want)
	}
}

func TestTheDefaultNetworkIsAlwaysAResource(t *testing.T) {
	app := mustParse(t, svc("image: a:v1"))
	if want := []driver.Network{{Name: driver.DefaultNetwork}}; !reflect.DeepEqual(app.Resources.Networks, want) {
		t.Fatalf("Networks = %+v, want the default network", app.Resources.Networks)
	}
}
