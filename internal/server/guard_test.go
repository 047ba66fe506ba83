package server

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
)

// probe is one request to the running server; Host, if set, replaces the
// Host header.
type probe struct {
	method, path string
	header       map[string]string
	body         string
}

// do sends p to the server at base and returns the status and body.
func (p probe) do(t testing.TB, base string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(p.method, base+p.path, strings.NewReader(p.body))
	if err != nil {
		t.Fatal(err)
	}
	if p.body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	for k, v := range p.header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(data)
}

const evil = "http://evil.example"

func TestCrossSiteRequestsAreRefused(t *testing.T) {
	url, _ := start(t, t.TempDir(), func(c *config.Config) {
		c.Server.AllowedOrigins = []string{"https://berth.example.com"}
	})
	deploy := `{"file":"compose.yaml","spec":"name: shop\nservices:\n  web:\n    image: 127.0.0.1:5000/shop:v1\n"}`
	tests := []struct {
		name string
		probe
		want     int
		wantBody string
	}{
		{"a cross-origin deploy with a plain-text body is refused",
			probe{"POST", "/api/apps/deploy", map[string]string{"Origin": evil, "Content-Type": "text/plain"}, deploy},
			http.StatusForbidden, `web origin \"http://evil.example\"`},
		{"a cross-origin garbage collection is refused even as JSON",
			probe{"POST", "/api/registry/gc", map[string]string{"Origin": evil, "Content-Type": "application/json"}, ""},
			http.StatusForbidden, "web origin"},
		{"a form posted from a page without an Origin is refused",
			probe{"POST", "/api/registry/gc", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "dry_run=true"},
			http.StatusForbidden, "application/json"},
		{"a body-less post without a content type is refused",
			probe{"POST", "/api/registry/gc?dry_run=true", nil, ""},
			http.StatusForbidden, "also when there is no body"},
		{"a JSON type hidden in a parameter of a simple type is refused",
			probe{"POST", "/api/registry/gc?dry_run=true", map[string]string{"Content-Type": "text/plain; x=application/json"}, ""},
			http.StatusForbidden, "Content-Type"},
		{"a request a browser marks cross-site is refused",
			probe{"POST", "/api/registry/gc?dry_run=true", map[string]string{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/json"}, ""},
			http.StatusForbidden, "cross-site"},
		{"the null origin of a sandboxed page is refused",
			probe{"DELETE", "/api/apps/shop", map[string]string{"Origin": "null", "Content-Type": "application/json"}, ""},
			http.StatusForbidden, `web origin \"null\"`},
		{"a same-site page on another port is refused",
			probe{"POST", "/api/registry/gc?dry_run=true", map[string]string{"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-site",
				"Content-Type": "application/json"}, ""},
			http.StatusForbidden, "web origin"},
		{"a JSON request without an Origin, as the CLI sends, passes",
			probe{"POST", "/api/registry/gc?dry_run=true", map[string]string{"Content-Type": "application/json"}, ""},
			http.StatusOK, `"dryRun": true`},
		{"a JSON request with a charset passes",
			probe{"POST", "/api/registry/gc?dry_run=true", map[string]string{"Content-Type": "application/json; charset=utf-8"}, ""},
			http.StatusOK, `"dryRun": true`},
		{"a page of this server may change state",
			probe{"POST", "/api/registry/gc?dry_run=true", map[string]string{"Origin": url, "Sec-Fetch-Site": "same-origin",
				"Content-Type": "application/json"}, ""},
			http.StatusOK, `"dryRun": true`},
		{"a page of a configured origin may change state",
			probe{"POST", "/api/registry/gc?dry_run=true", map[string]string{"Origin": "https://berth.example.com:443",
				"Content-Type": "application/json"}, ""},
			http.StatusOK, `"dryRun": true`},
		{"a read from another origin is answered, since the page cannot see it",
			probe{"GET", "/api/registry/audit", map[string]string{"Origin": evil, "Sec-Fetch-Site": "cross-site"}, ""},
			http.StatusOK, "["},
		{"a cross-origin blob upload is refused",
			probe{"POST", "/v2/app/blobs/uploads/", map[string]string{"Origin": evil, "Content-Type": "text/plain"}, ""},
			http.StatusForbidden, `"code":"DENIED"`},
		{"a cross-site manifest delete is refused",
			probe{"DELETE", "/v2/app/manifests/sha256:" + strings.Repeat("a", 64), map[string]string{"Sec-Fetch-Site": "cross-site"}, ""},
			http.StatusForbidden, `"code":"DENIED"`},
		{"a registry client's upload passes",
			probe{"POST", "/v2/app/blobs/uploads/", map[string]string{"Content-Type": "application/octet-stream"}, ""},
			http.StatusAccepted, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := tt.do(t, url)
			if code != tt.want || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("%s %s answered %d %s, want %d with %q", tt.method, tt.path, code, body, tt.want, tt.wantBody)
			}
		})
	}
}

func TestOnlyLoopbackHostNamesReachAServerWithoutAccounts(t *testing.T) {
	url, _ := start(t, t.TempDir(), func(c *config.Config) {
		c.Server.AllowedHosts = nil
	})
	port := url[strings.LastIndexByte(url, ':'):]
	get := func(path, host string) probe { return probe{"GET", path, map[string]string{"Host": host}, ""} }
	tests := []struct {
		name string
		probe
		want     int
		wantBody string
	}{
		{"a rebound name is refused on the API", get("/api/apps", "rebind.attacker.example"+port), http.StatusMisdirectedRequest, "server.allowed_hosts"},
		{"a rebound name is refused on the catalog", get("/v2/_catalog", "rebind.attacker.example"+port), http.StatusMisdirectedRequest, `"code":"DENIED"`},
		{"a rebound name is refused on metrics", get("/metrics", "rebind.attacker.example"), http.StatusMisdirectedRequest, "rebind.attacker.example"},
		{"a LAN address is refused", get("/v2/", "192.168.1.10"+port), http.StatusMisdirectedRequest, ""},
		{"127.0.0.1 is answered", get("/v2/_catalog", "127.0.0.1"+port), http.StatusOK, "repositories"},
		{"another loopback address is answered", get("/v2/", "127.0.0.2"+port), http.StatusOK, ""},
		{"IPv6 loopback is answered", get("/v2/", "[::1]"+port), http.StatusOK, ""},
		{"localhost in any case is answered", get("/api/apps", "LocalHost"+port), http.StatusOK, ""},
		{"a name under localhost is answered", get("/v2/", "berth.localhost"+port), http.StatusOK, ""},
		{"probes are answered under any name", get("/healthz", "10.1.2.3:5000"), http.StatusOK, "ok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := tt.do(t, url)
			if code != tt.want || !strings.Contains(body, tt.wantBody) {
				t.Fatalf("%s with Host %s answered %d %s, want %d with %q", tt.path, tt.header["Host"], code, body, tt.want, tt.wantBody)
			}
		})
	}
}

func TestConfiguredHostNamesAreAnswered(t *testing.T) {
	url, _ := start(t, t.TempDir(), func(c *config.Config) {
		c.Server.AllowedHosts = []string{"berth.internal"}
	})
	for host, want := range map[string]int{
		"berth.internal:5000":     http.StatusOK,
		"BERTH.internal.":         http.StatusOK,
		"evil.berth.internal":     http.StatusMisdirectedRequest,
		"berth.internal.evil":     http.StatusMisdirectedRequest,
		"127.0.0.1:5000":          http.StatusOK,
		"rebind.attacker.example": http.StatusMisdirectedRequest,
	} {
		if code, body := (probe{"GET", "/v2/", map[string]string{"Host": host}, ""}).do(t, url); code != want {
			t.Errorf("Host %s answered %d %s, want %d", host, code, body, want)
		}
	}
}

func TestAnAuthenticatingServerAnswersAnyHostUnlessToldOtherwise(t *testing.T) {
	hash, err := auth.HashPassword("alice-password", 4)
	if err != nil {
		t.Fatal(err)
	}
	withAlice := func(c *config.Config) { c.Auth.Users = []config.User{{Name: "alice", Password: hash, Admin: true}} }
	rebound := probe{"GET", "/v2/", map[string]string{"Host": "rebind.attacker.example"}, ""}
	t.Run("without allowed hosts the credentials decide", func(t *testing.T) {
		url, _ := start(t, t.TempDir(), withAlice)
		if code, body := rebound.do(t, url); code != http.StatusUnauthorized {
			t.Fatalf("a foreign Host answered %d %s, want 401", code, body)
		}
	})
	t.Run("with allowed hosts other names are refused", func(t *testing.T) {
		url, _ := start(t, t.TempDir(), withAlice, func(c *config.Config) { c.Server.AllowedHosts = []string{"berth.internal"} })
		if code, body := rebound.do(t, url); code != http.StatusMisdirectedRequest {
			t.Fatalf("a foreign Host answered %d %s, want 421", code, body)
		}
	})
}

func TestWhichHostsTheGuardAnswers(t *testing.T) {
	ok := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	tests := []struct {
		name           string
		listen         string
		allowed        []string
		authenticating bool
		host           string
		want           int
	}{
		{"no accounts on loopback refuses a name", "127.0.0.1:5000", nil, false, "rebind.attacker.example:5000", 421},
		{"no accounts on localhost refuses a name", "localhost:5000", nil, false, "attacker.example", 421},
		{"no accounts on IPv6 loopback answers ::1", "[::1]:5000", nil, false, "[::1]:5000", 200},
		{"no accounts on every address answers any name", "0.0.0.0:5000", nil, false, "berth.example.com", 200},
		{"accounts on loopback answer any name", "127.0.0.1:5000", nil, true, "berth.example.com", 200},
		{"allowed hosts refuse other names even with accounts", "0.0.0.0:5000", []string{"berth.internal"}, true, "other.example", 421},
		{"allowed hosts answer the listen address, which the deploy engine pulls from", "192.168.1.10:5000",
			[]string{"berth.internal"}, true, "192.168.1.10:5000", 200},
		{"allowed hosts answer loopback", "0.0.0.0:5000", []string{"berth.internal"}, true, "127.0.0.1:5000", 200},
		{"allowed hosts do not answer the unspecified address", "0.0.0.0:5000", []string{"berth.internal"}, true, "0.0.0.0:5000", 421},
		{"an allowed IPv6 address is answered in another spelling", "[::]:5000", []string{"[fd00::1]"}, true, "[fd00:0::1]:5000", 200},
		{"an empty Host is refused when hosts are checked", "127.0.0.1:5000", nil, false, "", 421},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := config.Default()
			cfg.Listen, cfg.Server.AllowedHosts = tt.listen, tt.allowed
			g := newGuard(cfg, func() bool { return tt.authenticating }, ok)
			req := httptest.NewRequest(http.MethodGet, "/v2/", nil)
			req.Host = tt.host
			w := httptest.NewRecorder()
			g.ServeHTTP(w, req)
			if w.Code != tt.want {
				t.Fatalf("Host %q answered %d, want %d", tt.host, w.Code, tt.want)
			}
		})
	}
}

func FuzzHostName(f *testing.F) {
	for _, s := range []string{"127.0.0.1:5000", "[::1]:5000", "LocalHost.", "a.localhost:1", "evil.example", "[::ffff:127.0.0.1]", ":", "[]"} {
		f.Add(s)
	}
	g := newGuard(config.Default(), func() bool { return false }, nil)
	f.Fuzz(func(t *testing.T, host string) {
		name := hostName(host)
		if !g.hostAllowed(host) || name == "localhost" || strings.HasSuffix(name, ".localhost") {
			return
		}
		if ip := net.ParseIP(name); ip == nil || !ip.IsLoopback() {
			t.Fatalf("hostAllowed(%q) with the name %q, which is not loopback", host, name)
		}
	})
}

func TestHostsFollowAccountsAcrossAReload(t *testing.T) {
	cfg := config.Default()
	cfg.Listen, cfg.ProxyListen, cfg.DataDir = "127.0.0.1:0", "127.0.0.1:0", t.TempDir()
	r := startReloadable(t, cfg)
	rebound := probe{"GET", "/v2/", map[string]string{"Host": "rebind.attacker.example"}, ""}
	if code, _ := rebound.do(t, r.url); code != http.StatusMisdirectedRequest {
		t.Fatalf("without accounts a foreign Host answered %d, want 421", code)
	}
	hash, err := auth.HashPassword("alice-password", 4)
	if err != nil {
		t.Fatal(err)
	}
	secured := cfg
	secured.Auth.Users = []config.User{{Name: "alice", Password: hash, Admin: true}}
	r.reload(t, secured, nil)
	r.waitStatus(t, "/v2/", http.StatusUnauthorized)
	if code, _ := rebound.do(t, r.url); code != http.StatusUnauthorized {
		t.Fatalf("with accounts a foreign Host answered %d, want 401: credentials decide", code)
	}
	r.reload(t, cfg, nil)
	r.waitStatus(t, "/v2/", http.StatusOK)
	if code, _ := rebound.do(t, r.url); code != http.StatusMisdirectedRequest {
		t.Fatalf("with the accounts gone a foreign Host answered %d, want 421", code)
	}
}
