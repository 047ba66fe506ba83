package spec

import (
	"strings"
	"testing"
)

const hashBase = `name: shop
services:
  web:
    image: shop/web:v1
    command: ["serve", "--port", "8080"]
    environment:
      A: "1"
      B: two
    deploy:
      replicas: 2
    x-berth:
      route: {host: shop.local, port: 8080}
      strategy: canary
      steps: [{weight: 10, pause: 1m}]
  worker:
    image: shop/worker:v1
`

func TestHashIgnoresHowTheSpecIsWritten(t *testing.T) {
	tests := []struct {
		name string
		src  string
	}{
		{"the same text", hashBase},
		{"reformatted, reordered and commented", `# the shop
services:
  worker: {image: "shop/worker:v1"}
  web:
    x-berth:
      steps:
        - pause: 60s
          weight: 10
      strategy: canary
      route:
        port: "8080"
        host: Shop.Local
    deploy: {replicas: 2}
    environment: [B=two, A=1]
    command: serve --port 8080
    image: 'shop/web:v1'
name: shop
`},
		{"with the worker's defaults written out", strings.Replace(hashBase, "    image: shop/worker:v1\n", `    image: shop/worker:v1
    pull_policy: if_not_present
    stop_grace_period: 10s
    deploy:
      replicas: 1
      update_config: {parallelism: 1, order: start-first, failure_action: rollback, monitor: 10s}
      rollback_config: {failure_action: pause}
    x-berth: {strategy: rolling, ready_after: 5s}
`, 1)},
	}
	want := mustParse(t, hashBase).Hash
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustParse(t, tt.src).Hash; got != want {
				t.Fatalf("Hash = %s, want %s", got, want)
			}
		})
	}
}

func TestHashChangesWithWhatIsDeployed(t *testing.T) {
	tests := []struct {
		name     string
		old, new string
	}{
		{"another image", "shop/web:v1", "shop/web:v2"},
		{"another env value", "B: two", "B: three"},
		{"another replica count", "replicas: 2", "replicas: 3"},
		{"another canary pause", "pause: 1m", "pause: 2m"},
		{"another host", "host: shop.local", "host: store.local"},
		{"another app name", "name: shop", "name: store"},
	}
	before := mustParse(t, hashBase).Hash
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(hashBase, tt.old, tt.new, 1)
			if src == hashBase {
				t.Fatalf("%q is not in the spec", tt.old)
			}
			if got := mustParse(t, src).Hash; got == before {
				t.Fatalf("Hash = %s, the same as before the change", got)
			}
		})
	}
}
