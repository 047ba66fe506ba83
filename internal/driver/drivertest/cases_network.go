package drivertest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

// subnet is a /24 for a test network, drawn at random from
// 10.200.0.0-10.249.255.0 so that tests running side by side rarely
// draw the same.
type subnet struct{ a, b byte }

func newSubnet() subnet {
	var r [2]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	return subnet{200 + r[0]%50, r[1]}
}

func (s subnet) String() string  { return fmt.Sprintf("10.%d.%d.0/24", s.a, s.b) }
func (s subnet) ip(n int) string { return fmt.Sprintf("10.%d.%d.%d", s.a, s.b, n) }

// backNetwork is an app with its default network and "back", whose
// subnet is sn.
func backNetwork(sn subnet) func(*testing.T, *suite) driver.AppResources {
	return func(*testing.T, *suite) driver.AppResources {
		return driver.AppResources{Networks: []driver.Network{{Name: driver.DefaultNetwork}, {Name: "back", Subnets: []string{sn.String()}}}}
	}
}

// freePort returns a port nothing listens on at 127.0.0.1 now.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// resolve returns the addresses name has inside inst, nil when it does
// not resolve.
func resolve(t testing.TB, inst driver.Instance, name string) []string {
	t.Helper()
	status, body := appDo(t, inst, http.MethodGet, "/resolve?name="+name, "")
	if status != http.StatusOK {
		return nil
	}
	var addrs []string
	if err := json.Unmarshal([]byte(body), &addrs); err != nil {
		t.Fatalf("GET /resolve: %v in %q", err, body)
	}
	return addrs
}

func networkCases() []runtimeCase {
	withAlias, aloneOnBack := newSubnet(), newSubnet()
	alias, other := "db-"+randomName(), "other-"+randomName()
	mac := fmt.Sprintf("02:42:be:%s", strings.Join(randomBytes(3), ":"))
	var port int
	return []runtimeCase{
		{
			name: "ports publishes a container port on the host", key: "ports",
			set: func(t *testing.T, _ *suite, spec *driver.ContainerSpec) {
				port = freePort(t)
				spec.Runtime.Ports = []driver.PortBinding{{HostIP: "127.0.0.1", HostPort: strconv.Itoa(port), ContainerPort: 8080, Protocol: "tcp"}}
			},
			inside: func(t *testing.T, _ *suite, _ driver.Driver, _ driver.Instance) {
				r, err := get(ctx(t), net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), "/")
				if err != nil || r.body != "v1\n" {
					t.Fatalf("GET / on the published port = %+v, %v; want v1", r, err)
				}
			},
		},
		{
			name: "expose declares a port without publishing it", key: "expose",
			set: rt(func(r *driver.Runtime) { r.Expose = []string{"9090/tcp"} }),
		},
		{
			name: "networks joins the app's networks with aliases and a fixed address", key: "networks",
			resources: backNetwork(withAlias),
			set: rt(func(r *driver.Runtime) {
				r.Networks = []driver.NetworkAttachment{
					{Name: driver.DefaultNetwork},
					{Name: "back", Aliases: []string{alias}, IPv4Address: withAlias.ip(10), Priority: 10},
				}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := resolve(t, inst, alias); !slices.Equal(got, []string{withAlias.ip(10)}) {
					t.Errorf("%s resolves to %v, want %s", alias, got, withAlias.ip(10))
				}
				if host, _, _ := net.SplitHostPort(inst.Addr); host == withAlias.ip(10) {
					t.Errorf("Addr %s is on the back network, want the default network", inst.Addr)
				}
			},
		},
		{
			name: "networks use_service_name_alias false leaves the service's name out", key: "networks",
			set: rt(func(r *driver.Runtime) {
				r.Networks = []driver.NetworkAttachment{{Name: driver.DefaultNetwork, Aliases: []string{other}, NoServiceAlias: true}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := resolve(t, inst, other); len(got) != 1 {
					t.Errorf("%s resolves to %v, want the container", other, got)
				}
				host, _, _ := net.SplitHostPort(inst.Addr)
				if got := resolve(t, inst, "web"); slices.Contains(got, host) {
					t.Errorf("the service name web resolves to the container (%v)", got)
				}
			},
		},
		{
			name: "networks mac_address sets the address on the network", key: "networks.mac_address",
			set: rt(func(r *driver.Runtime) {
				r.Networks = []driver.NetworkAttachment{{Name: driver.DefaultNetwork, MacAddress: mac}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/sys/class/net/eth0/address").Content; got != mac+"\n" {
					t.Fatalf("eth0's address is %q, want %s", got, mac)
				}
			},
		},
		{
			name: "networks link_local_ips adds link-local addresses", key: "networks.link_local_ips",
			set: rt(func(r *driver.Runtime) {
				r.Networks = []driver.NetworkAttachment{{Name: driver.DefaultNetwork, LinkLocalIPs: []string{"169.254.77.7"}}}
			}),
		},
		{
			name: "networks driver_opts are the endpoint's options", key: "networks.driver_opts",
			set: rt(func(r *driver.Runtime) {
				r.Networks = []driver.NetworkAttachment{{Name: driver.DefaultNetwork, DriverOpts: map[string]string{"org.example.opt": "1"}}}
			}),
		},
		{
			name: "networks interface_name names the interface", key: "networks.interface_name",
			set: rt(func(r *driver.Runtime) {
				r.Networks = []driver.NetworkAttachment{{Name: driver.DefaultNetwork, InterfaceName: "front0"}}
			}),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if fi := appFile(t, inst, "/sys/class/net/front0"); fi.Type == "" {
					t.Fatal("no interface front0")
				}
			},
		},
		{
			name: "networks gw_priority picks the default route's network", key: "networks.gw_priority",
			resources: backNetwork(newSubnet()),
			set: rt(func(r *driver.Runtime) {
				r.Networks = []driver.NetworkAttachment{{Name: driver.DefaultNetwork}, {Name: "back", GatewayPriority: 10}}
			}),
		},
		{
			name: "networks without the default one still give a route its address", key: "networks",
			resources: func(*testing.T, *suite) driver.AppResources {
				return driver.AppResources{Networks: []driver.Network{{Name: "back", Subnets: []string{aloneOnBack.String()}}}}
			},
			set: rt(func(r *driver.Runtime) { r.Networks = []driver.NetworkAttachment{{Name: "back"}} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if !strings.HasPrefix(inst.Addr, strings.TrimSuffix(aloneOnBack.ip(0), "0")) {
					t.Fatalf("Addr %s is not on back (%s)", inst.Addr, aloneOnBack)
				}
			},
		},
		{
			name: "extra_hosts adds names to /etc/hosts", key: "extra_hosts",
			set: rt(func(r *driver.Runtime) { r.ExtraHosts = []string{"db.example:10.9.8.7"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := resolve(t, inst, "db.example"); !slices.Equal(got, []string{"10.9.8.7"}) {
					t.Fatalf("db.example resolves to %v, want 10.9.8.7", got)
				}
			},
		},
		{
			name: "dns sets the resolvers", key: "dns",
			set: rt(func(r *driver.Runtime) { r.DNS = []string{"10.0.0.53"} }),
		},
		{
			name: "dns_search sets the search domains", key: "dns_search",
			set: rt(func(r *driver.Runtime) { r.DNSSearch = []string{"example.test"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/etc/resolv.conf").Content; !strings.Contains(got, "search example.test") {
					t.Fatalf("resolv.conf has no search example.test:\n%s", got)
				}
			},
		},
		{
			name: "dns_opt sets the resolver's options", key: "dns_opt",
			set: rt(func(r *driver.Runtime) { r.DNSOptions = []string{"ndots:3"} }),
			inside: func(t *testing.T, _ *suite, _ driver.Driver, inst driver.Instance) {
				if got := appFile(t, inst, "/etc/resolv.conf").Content; !strings.Contains(got, "ndots:3") {
					t.Fatalf("resolv.conf has no ndots:3:\n%s", got)
				}
			},
		},
	}
}

func randomName() string { return strings.Join(randomBytes(3), "") }

func randomBytes(n int) []string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	out := make([]string, n)
	for i, x := range b {
		out[i] = fmt.Sprintf("%02x", x)
	}
	return out
}

// testRouteOffDefault checks that a routed container on networks other
// than the app's default one answers at Addr.
func testRouteOffDefault(t *testing.T, s *suite) {
	d := s.newDriver(t)
	sn := newSubnet()
	app := newAppWith(t, d, driver.AppResources{Networks: []driver.Network{
		{Name: "b-net", Subnets: []string{sn.String()}}, {Name: "a-net"},
	}})
	spec := s.spec(app)
	spec.Runtime.Networks = []driver.NetworkAttachment{{Name: "a-net"}, {Name: "b-net", Priority: 5}}
	if refused(t, d, spec, "networks") {
		return
	}
	inst := start(t, d, spec)
	// b-net comes first: it has the higher priority.
	if !strings.HasPrefix(inst.Addr, strings.TrimSuffix(sn.ip(0), "0")) {
		t.Fatalf("Addr %s is not on b-net (%s), the first network the container joins", inst.Addr, sn)
	}
	waitReady(t, inst.Addr)
	c, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	listed, err := d.List(c, app)
	if err != nil || len(listed) != 1 || listed[0].Addr != inst.Addr {
		t.Fatalf("List = %+v, %v; want the instance at %s", listed, err, inst.Addr)
	}
}
