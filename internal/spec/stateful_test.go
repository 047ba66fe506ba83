package spec

import (
	"testing"
)

func TestAServiceThatMustRunAloneRollsStopFirst(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		top   string
		want  Order
	}{
		{"it writes to a named volume", []string{"volumes: [data:/data]"}, "volumes: {data: {}}\n", OrderStopFirst},
		{"it publishes a host port", []string{"ports: ['8080:80']"}, "", OrderStopFirst},
		{"it has a fixed address", []string{"networks: {back: {ipv4_address: 10.9.0.5}}"}, "networks: {back: {ipam: {config: [{subnet: 10.9.0.0/24}]}}}\n", OrderStopFirst},
		{"it only reads a named volume", []string{"volumes: ['data:/data:ro']"}, "volumes: {data: {}}\n", OrderStartFirst},
		{"its host port is picked by the host", []string{"ports: ['80']"}, "", OrderStartFirst},
		{"its volumes are shared", []string{"volumes: [data:/data]", "x-berth: {shared_volumes: true}"}, "volumes: {data: {}}\n", OrderStartFirst},
		{"it binds a host path", []string{"volumes: ['/srv/data:/data']"}, "", OrderStartFirst},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustParse(t, svc(append([]string{"image: a:v1"}, tt.lines...)...)+tt.top).Services[0]
			if s.Update.Order != tt.want || s.Rollback.Order != tt.want {
				t.Fatalf("update order %s, rollback order %s, want %s", s.Update.Order, s.Rollback.Order, tt.want)
			}
			if s.Update.OrderSet || s.Rollback.OrderSet {
				t.Fatal("the order is recorded as written, but the spec leaves it out")
			}
		})
	}
}

func TestAServiceThatMustRunAloneRefusesRunningTwo(t *testing.T) {
	const vol = "volumes: {data: {}}\n"
	tests := []struct {
		name  string
		lines []string
		top   string
		line  int
		path  string
		msg   string
	}{
		{"start-first over a volume", []string{"volumes: [data:/data]", "deploy: {update_config: {order: start-first}}"}, vol, 6,
			"services.web.deploy.update_config.order", "start-first runs a new container beside the old one, and they cannot share named volume data, which it writes to; use stop-first, or set x-berth.shared_volumes: true"},
		{"a start-first rollback over a volume", []string{"volumes: [data:/data]", "deploy:", "  rollback_config: {order: start-first}"}, vol, 7,
			"services.web.deploy.rollback_config.order", "use stop-first"},
		{"replicas over a volume", []string{"volumes: [data:/data]", "deploy: {replicas: 2}"}, vol, 6,
			"services.web.deploy.replicas", "2 replicas would run at once, and they cannot share named volume data"},
		{"scale over a volume", []string{"volumes: [data:/data]", "scale: 3"}, vol, 6, "services.web.scale", "3 replicas would run at once"},
		{"blue-green over a volume", []string{"volumes: [data:/data]", "x-berth: {route: {host: a.local, port: 80}, strategy: blue-green}"}, vol, 6,
			"services.web.x-berth.strategy", "blue-green runs the new set beside the old one"},
		{"replicas on a host port, with no way out", []string{"ports: ['8080:80']", "deploy: {replicas: 2}"}, "", 6,
			"services.web.deploy.replicas", "they cannot share host port 8080/tcp; run one"},
		{"a canary with a fixed address", []string{"networks: {back: {ipv4_address: 10.9.0.5}}",
			"x-berth: {route: {host: a.local, port: 80}, strategy: canary, steps: [{weight: 10}]}"},
			"networks: {back: {}}\n", 6, "services.web.x-berth.strategy", "the fixed address 10.9.0.5 on network back"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, svc(append([]string{"image: a:v1"}, tt.lines...)...)+tt.top)
			expectOne(t, err, tt.line, tt.path, tt.msg)
		})
	}
}

func TestSharedVolumesLiftTheRulesForVolumesOnly(t *testing.T) {
	shared := "x-berth: {shared_volumes: true, route: {host: a.local, port: 80}, strategy: blue-green}"
	s := mustParse(t, svc("image: a:v1", "volumes: [data:/data]", "deploy: {replicas: 3, update_config: {order: start-first}}", shared)+
		"volumes: {data: {}}\n").Services[0]
	if s.Replicas != 3 || s.Update.Order != OrderStartFirst || !s.Update.OrderSet || !s.SharedVolumes {
		t.Fatalf("shared volumes: replicas %d, order %s (set %v), shared %v", s.Replicas, s.Update.Order, s.Update.OrderSet, s.SharedVolumes)
	}
	_, err := parse(t, svc("image: a:v1", "volumes: [data:/data]", "ports: ['8080:80']", "deploy: {replicas: 2}", "x-berth: {shared_volumes: true}")+
		"volumes: {data: {}}\n")
	expectOne(t, err, 7, "services.web.deploy.replicas", "they cannot share host port 8080/tcp; run one")
}
