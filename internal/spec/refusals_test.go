package spec

import (
	"slices"
	"strings"
	"testing"
)

func TestARefusedKeyIsNamedWithItsFileLineAndReason(t *testing.T) {
	src := `name: shop
services:
  web:
    image: shop/web:v1
    volumes:
      - data:/data
  db:
    image: shop/db:v1
    environment:
      A: "1"
    deploy:
      replicas: 1
    volumes_from: [web]
volumes:
  data: {}
`
	_, err := parse(t, src)
	want := "compose.yaml:13:5: services.db.volumes_from: not supported: berth replaces containers on every rollout, " +
		"so there is no container to take volumes from; declare a named volume and mount it in both services"
	if err == nil || err.Error() != want {
		t.Fatalf("Parse = %v\nwant %s", err, want)
	}
}

func TestRefusalsAreReportedTogether(t *testing.T) {
	src := svc("image: a:v1", "container_name: web1", "network_mode: host", "links: [db]", "platform: linux/arm64")
	es := problems(t, parseErr(t, src))
	var got []string
	for _, e := range es {
		got = append(got, e.Path)
	}
	want := "services.web.container_name services.web.network_mode services.web.links services.web.platform"
	if strings.Join(got, " ") != want {
		t.Fatalf("problems at %q, want %q:\n%v", got, want, es)
	}
}

// parseErr returns the error of parsing src, failing the test if there
// is none.
func parseErr(t testing.TB, src string) error {
	t.Helper()
	_, err := parse(t, src)
	if err == nil {
		t.Fatal("Parse accepted the spec")
	}
	return err
}

func TestKeysCloseToXBerthAreRefusedAsMisspellings(t *testing.T) {
	for _, key := range []string{"x-bert", "x-berht", "x_berth", "X-Berth", "x-berth-", "x-brth", "X_BERTH", "x-birth"} {
		t.Run(key, func(t *testing.T) {
			_, err := parse(t, svc("image: a:v1", key+":", "  route: {host: shop.local, port: 8080}"))
			expectOne(t, err, 5, "services.web."+key, "did you mean x-berth?")
		})
	}
}

func TestOtherExtensionKeysAreLeftToTheirOwners(t *testing.T) {
	for _, key := range []string{"x-team", "x-logging", "x-b", "x-shop-berth-config"} {
		t.Run(key, func(t *testing.T) {
			mustParse(t, svc("image: a:v1", key+": {owner: shop}"))
		})
	}
}

func TestKeysOfOldComposeFormatsAreRefusedWithTheirReplacement(t *testing.T) {
	_, err := parse(t, svc("image: a:v1", "log_driver: syslog"))
	expectOne(t, err, 5, "services.web.log_driver", "write logging: {driver: ...}")
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{{"x-berth", "x-berth", 0}, {"x-bert", "x-berth", 1}, {"x-berht", "x-berth", 2}, {"x-b", "x-berth", 3}, {"", "abc", 3}}
	for _, tt := range tests {
		t.Run(tt.a+" to "+tt.b, func(t *testing.T) {
			if got := editDistance(tt.a, tt.b, 2); min(got, 3) != min(tt.want, 3) {
				t.Fatalf("editDistance = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestKeysNameWhatTheServiceSets(t *testing.T) {
	app := mustParse(t, svc("image: a:v1",
		"labels: {com.example.team: shop}",
		"healthcheck: {test: [CMD, ok], start_interval: 1s}",
		"volumes: [{type: bind, source: /srv, target: /srv, bind: {recursive: readonly}}]",
		"networks: {back: {gw_priority: 1}}",
		"ulimits: {nofile: {soft: 1, hard: 2}}",
		"deploy: {restart_policy: {condition: on-failure, delay: 5s}, resources: {limits: {memory: 1g}}}",
	)+"networks: {back: {}}\n")
	keys := app.Services[0].Keys
	for _, k := range []string{"labels", "healthcheck.start_interval", "volumes.bind.recursive", "networks.gw_priority",
		"ulimits.soft", "deploy.restart_policy.delay", "deploy.resources.limits.memory", "image"} {
		if !slices.Contains(keys, k) {
			t.Errorf("Keys = %q, want %s among them", keys, k)
		}
	}
	for _, k := range keys {
		if strings.Contains(k, "com.example") || strings.Contains(k, "back") || strings.Contains(k, "nofile") || strings.Contains(k, ".0") {
			t.Errorf("Keys has %s, which names a value or an index, not a Compose key", k)
		}
	}
	if keys := mustParse(t, svc("image: a:v1")).Services[0].Keys; !slices.Equal(keys, []string{"image"}) {
		t.Errorf("Keys of a service that sets only its image = %q; the default network compose-go adds is not the spec's", keys)
	}
}
