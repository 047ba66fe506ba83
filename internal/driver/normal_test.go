package driver

import (
	"encoding/json"
	"testing"
)

func TestNormalized(t *testing.T) {
	ptr := func(n int64) *int64 { return &n }
	for _, tc := range []struct {
		name   string
		in     Runtime
		want   Runtime
		stable bool // in is already normal
	}{
		{"the zero runtime stays zero", Runtime{}, Runtime{}, true},
		{"defaults become zero values", Runtime{
			StopSignal: "SIGTERM", IPC: "private", ShmSize: 64 << 20,
			Restart:  RestartPolicy{Name: "no", MaxRetries: 3},
			Devices:  []Device{{Source: "/dev/a", Target: "/dev/a", Permissions: "rwm"}},
			Logging:  &Logging{},
			Networks: []NetworkAttachment{{Name: DefaultNetwork}},
		}, Runtime{Devices: []Device{{Source: "/dev/a", Target: "/dev/a"}}}, false},
		{"capabilities are upper case with CAP_, sorted, once", Runtime{
			CapAdd: []string{"net_admin", "CAP_CHOWN", "NET_ADMIN"}, CapDrop: []string{"all"},
		}, Runtime{CapAdd: []string{"CAP_CHOWN", "CAP_NET_ADMIN"}, CapDrop: []string{"ALL"}}, false},
		{"sets are sorted", Runtime{
			GroupAdd: []string{"b", "a"}, SecurityOpt: []string{"z", "a"},
			Mounts:  []Mount{{Type: MountTmpfs, Target: "/z"}, {Type: MountTmpfs, Target: "/a"}},
			Ulimits: []Ulimit{{Name: "nproc"}, {Name: "nofile"}},
		}, Runtime{
			GroupAdd: []string{"a", "b"}, SecurityOpt: []string{"a", "z"},
			Mounts:  []Mount{{Type: MountTmpfs, Target: "/a"}, {Type: MountTmpfs, Target: "/z"}},
			Ulimits: []Ulimit{{Name: "nofile"}, {Name: "nproc"}},
		}, false},
		{"ordered lists keep their order", Runtime{
			DNS: []string{"10.0.0.2", "10.0.0.1"}, DNSSearch: []string{"b.test", "a.test"}, ExtraHosts: []string{"b:1.1.1.1", "a:2.2.2.2"},
		}, Runtime{
			DNS: []string{"10.0.0.2", "10.0.0.1"}, DNSSearch: []string{"b.test", "a.test"}, ExtraHosts: []string{"b:1.1.1.1", "a:2.2.2.2"},
		}, true},
		{"a file's mode defaults to 0444 and its owner to root", Runtime{
			Files: []File{{Target: "/b", UID: "0", GID: "0"}, {Target: "/a", UID: "1000", Mode: 0o400}},
		}, Runtime{
			Files: []File{{Target: "/a", UID: "1000", Mode: 0o400}, {Target: "/b", Mode: 0o444}},
		}, false},
		{"ports are sorted with a protocol, and exposing a published port says nothing", Runtime{
			Ports:  []PortBinding{{ContainerPort: 9000}, {ContainerPort: 8080, HostPort: "80", Protocol: "TCP"}},
			Expose: []string{"8080", "7000/UDP", "7000/udp"},
		}, Runtime{
			Ports:  []PortBinding{{ContainerPort: 8080, HostPort: "80", Protocol: "tcp"}, {ContainerPort: 9000, Protocol: "tcp"}},
			Expose: []string{"7000/udp"},
		}, false},
		{"networks are in priority order, then by name", Runtime{
			Networks: []NetworkAttachment{{Name: "c"}, {Name: "b", Priority: 10, Aliases: []string{"y", "x"}}, {Name: "a"}},
		}, Runtime{
			Networks: []NetworkAttachment{{Name: "b", Aliases: []string{"x", "y"}, Priority: 10}, {Name: "a"}, {Name: "c"}},
		}, false},
		{"the default network with settings stays", Runtime{
			Networks: []NetworkAttachment{{Name: DefaultNetwork, Aliases: []string{"a"}}},
		}, Runtime{
			Networks: []NetworkAttachment{{Name: DefaultNetwork, Aliases: []string{"a"}}},
		}, true},
		{"swap of twice the memory is the default", Runtime{
			Resources: Resources{Memory: 64, MemorySwap: 128, MemorySwappiness: ptr(0)},
		}, Runtime{Resources: Resources{Memory: 64, MemorySwappiness: ptr(0)}}, false},
		{"a retry count needs on-failure", Runtime{
			Restart: RestartPolicy{Name: RestartAlways, MaxRetries: 2},
		}, Runtime{Restart: RestartPolicy{Name: RestartAlways}}, false},
		{"empty block I/O settings are none", Runtime{
			Resources: Resources{Blkio: &Blkio{}},
		}, Runtime{}, false},
		{"a recursive bind is the default", Runtime{
			Mounts: []Mount{{Type: MountBind, Source: "/s", Target: "/t", Recursive: "enabled"}},
		}, Runtime{Mounts: []Mount{{Type: MountBind, Source: "/s", Target: "/t"}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.in.Normalized()
			if g, w := asJSON(t, got), asJSON(t, tc.want); g != w {
				t.Fatalf("Normalized =\n%s\nwant\n%s", g, w)
			}
			if again := asJSON(t, got.Normalized()); again != asJSON(t, got) {
				t.Fatalf("Normalized is not stable:\n%s\nthen\n%s", asJSON(t, got), again)
			}
			if tc.stable && asJSON(t, tc.in) != asJSON(t, got) {
				t.Fatalf("Normalized changed a normal runtime")
			}
		})
	}
}

func TestNormalizedLeavesItsInputAlone(t *testing.T) {
	in := Runtime{CapAdd: []string{"b", "a"}, Files: []File{{Target: "/b"}, {Target: "/a"}}}
	_ = in.Normalized()
	if in.CapAdd[0] != "b" || in.Files[0].Target != "/b" || in.Files[0].Mode != 0 {
		t.Fatalf("Normalized changed its receiver: %+v", in)
	}
}

func asJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
