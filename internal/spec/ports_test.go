package spec

import (
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

func TestPortsReadBothSyntaxesAndExpandRanges(t *testing.T) {
	ports := func(r driver.Runtime) any { return r.Ports }
	runRuntimeCases(t, []runtimeCase{
		{"a host port", []string{"ports: ['127.0.0.1:6499:8080']"}, ports,
			[]driver.PortBinding{{HostIP: "127.0.0.1", HostPort: "6499", ContainerPort: 8080, Protocol: "tcp"}}},
		{"a port the host picks", []string{"ports: [8080, '9090/udp']"}, ports,
			[]driver.PortBinding{{ContainerPort: 8080, Protocol: "tcp"}, {ContainerPort: 9090, Protocol: "udp"}}},
		{"a range, one port each", []string{"ports: ['8000-8002:9000-9002']"}, ports, []driver.PortBinding{
			{HostPort: "8000", ContainerPort: 9000, Protocol: "tcp"},
			{HostPort: "8001", ContainerPort: 9001, Protocol: "tcp"},
			{HostPort: "8002", ContainerPort: 9002, Protocol: "tcp"},
		}},
		{"a host range for one port", []string{"ports: ['8000-8009:80']"}, ports,
			[]driver.PortBinding{{HostPort: "8000-8009", ContainerPort: 80, Protocol: "tcp"}}},
		{"the long syntax", []string{"ports: [{target: 53, published: '5353', protocol: udp, host_ip: '::1', mode: host, name: dns}]"}, ports,
			[]driver.PortBinding{{HostIP: "::1", HostPort: "5353", ContainerPort: 53, Protocol: "udp"}}},
		{"expose, ranges one port each, sorted", []string{"expose: ['3001-3002', 80, '53/udp']"}, func(r driver.Runtime) any { return r.Expose },
			[]string{"53/udp", "80/tcp", "3001/tcp", "3002/tcp"}},
	})
}

func TestPortsRefuseBadValues(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		line  int
		path  string
		msg   string
	}{
		{"a host address that is not one", []string{"ports: [{target: 80, host_ip: nowhere}]"}, 5, "services.web.ports", "nowhere"},
		{"a protocol Docker does not know", []string{"ports: [{target: 80, protocol: quic}]"}, 5, "services.web.ports", `protocol "quic" of port 80`},
		{"an expose range backwards", []string{"expose: ['90-80']"}, 5, "services.web.expose.0", `"90-80" is not a port or a range of ports`},
		{"an expose range of too many ports", []string{"expose: ['1-65535']"}, 5, "services.web.expose.0", "more than 1024 ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, svc(append([]string{"image: a:v1"}, tt.lines...)...))
			expectOne(t, err, tt.line, tt.path, tt.msg)
		})
	}
}

func TestFixedHostPortTellsAPortFromOneTheHostPicks(t *testing.T) {
	tests := []struct {
		port string
		want bool
	}{{"8080", true}, {"", false}, {"0", false}, {"8000-8009", false}}
	for _, tt := range tests {
		t.Run("host port "+tt.port, func(t *testing.T) {
			if got := fixedHostPort(driver.PortBinding{HostPort: tt.port, ContainerPort: 80}); got != tt.want {
				t.Fatalf("fixedHostPort(%q) = %v, want %v", tt.port, got, tt.want)
			}
		})
	}
	for _, bad := range []string{"70000", "9-8", "x", "-1"} {
		if hostPort(bad) {
			t.Errorf("hostPort(%q) = true, want false", bad)
		}
	}
}
