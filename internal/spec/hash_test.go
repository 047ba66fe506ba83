package spec

import (
	"encoding/base64"
	"encoding/json"
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
		{"a memory limit", "replicas: 2", "replicas: 2\n      resources: {limits: {memory: 64m}}"},
		{"a user", "image: shop/web:v1", "image: shop/web:v1\n    user: '1000'"},
		{"a port", "image: shop/web:v1", "image: shop/web:v1\n    expose: [9090]"},
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

func TestASecretChangesTheHashButIsNotInIt(t *testing.T) {
	src := svc("image: a:v1", "secrets: [db]") + "secrets: {db: {file: db.txt}}\n"
	read := func(secret string) *App {
		t.Helper()
		app, err := Read(Input{Data: []byte(src), Files: map[string][]byte{"db.txt": []byte(secret)}})
		if err != nil {
			t.Fatal(err)
		}
		return app
	}
	a, b := read("correct-horse"), read("battery-staple")
	if a.Hash == b.Hash {
		t.Error("App.Hash is the same for two secret values")
	}
	if a.Services[0].ConfigDigest() == b.Services[0].ConfigDigest() {
		t.Error("ConfigDigest is the same for two secret values")
	}
	if a.Services[0].ConfigDigest() != read("correct-horse").Services[0].ConfigDigest() {
		t.Error("ConfigDigest differs for the same secret")
	}
	data, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "correct-horse") || strings.Contains(string(data), base64.StdEncoding.EncodeToString([]byte("correct-horse"))) {
		t.Fatalf("the App's JSON form shows the secret: %s", data)
	}
}

func TestConfigDigestIsTheServiceApartFromItsImage(t *testing.T) {
	digest := func(lines ...string) string {
		t.Helper()
		return mustParse(t, svc(lines...)).Services[0].ConfigDigest()
	}
	base := digest("image: a:v1", "mem_limit: 64m")
	if !strings.HasPrefix(base, "sha256:") {
		t.Fatalf("ConfigDigest = %q", base)
	}
	if digest("image: a:v2", "mem_limit: 64m") != base {
		t.Error("another image changed ConfigDigest; the image is deployed by digest and compared apart")
	}
	if digest("image: a:v1", "mem_limit: 128m") == base {
		t.Error("another memory limit left ConfigDigest the same")
	}
	if digest("image: a:v1", "deploy: {resources: {limits: {memory: 64m}}}") != base {
		t.Error("the same limit written another way changed ConfigDigest")
	}
}
