package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestServerDefaults(t *testing.T) {
	s := Default().Server
	if s.BodyIdleTimeout != time.Minute || s.ReadHeaderTimeout != 30*time.Second || s.IdleTimeout != 2*time.Minute ||
		s.AllowedHosts != nil || s.AllowedOrigins != nil {
		t.Fatalf("default server settings = %+v", s)
	}
}

func TestValidateServer(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Server)
		want   string // "" for valid
	}{
		{"host names, addresses and a trailing dot are allowed hosts", func(s *Server) {
			s.AllowedHosts = []string{"berth.internal", "registry_1.lan", "10.0.0.5", "::1", "[fd00::1]", "berth.internal."}
		}, ""},
		{"an allowed host with a port", func(s *Server) { s.AllowedHosts = []string{"berth.internal:5000"} }, "server.allowed_hosts[0]"},
		{"an allowed host with a scheme", func(s *Server) { s.AllowedHosts = []string{"http://berth.internal"} }, "without scheme or port"},
		{"an empty allowed host", func(s *Server) { s.AllowedHosts = []string{"ok.example", ""} }, "server.allowed_hosts[1]"},
		{"an allowed host with a space", func(s *Server) { s.AllowedHosts = []string{"a b"} }, "server.allowed_hosts[0]"},
		{"origins with and without a port are allowed", func(s *Server) {
			s.AllowedOrigins = []string{"https://berth.example.com", "http://127.0.0.1:3000", "http://[::1]:8080"}
		}, ""},
		{"an origin with a path", func(s *Server) { s.AllowedOrigins = []string{"https://berth.example.com/ui"} }, "server.allowed_origins[0]"},
		{"an origin without a scheme", func(s *Server) { s.AllowedOrigins = []string{"berth.example.com"} }, "server.allowed_origins[0]"},
		{"an origin of another scheme", func(s *Server) { s.AllowedOrigins = []string{"ftp://berth.example.com"} }, "scheme http or https"},
		{"the null origin", func(s *Server) { s.AllowedOrigins = []string{"null"} }, "server.allowed_origins[0]"},
		{"a body idle timeout under a second", func(s *Server) { s.BodyIdleTimeout = 10 * time.Millisecond }, "server.body_idle_timeout"},
		{"a zero header timeout", func(s *Server) { s.ReadHeaderTimeout = 0 }, "server.read_header_timeout"},
		{"a negative idle timeout", func(s *Server) { s.IdleTimeout = -time.Second }, "server.idle_timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c.Server)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want no error", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error about %s", err, tt.want)
			}
		})
	}
}

func TestServerSettingsFromTheEnvironment(t *testing.T) {
	env := map[string]string{
		EnvAllowedHosts:    " berth.internal, 10.0.0.5 ,,",
		EnvAllowedOrigins:  "https://berth.example.com",
		EnvBodyIdleTimeout: "90s",
	}
	c := Default()
	if err := c.ApplyEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Server.AllowedHosts, []string{"berth.internal", "10.0.0.5"}) ||
		!slices.Equal(c.Server.AllowedOrigins, []string{"https://berth.example.com"}) || c.Server.BodyIdleTimeout != 90*time.Second {
		t.Fatalf("server settings after env = %+v", c.Server)
	}
	bad := Default()
	err := bad.ApplyEnv(func(k string) (string, bool) { return "a while", k == EnvBodyIdleTimeout })
	if err == nil || !strings.Contains(err.Error(), EnvBodyIdleTimeout) {
		t.Fatalf("bad duration: %v", err)
	}
}

func TestServerSettingsFromTheFile(t *testing.T) {
	c := Default()
	err := c.LoadFile(writeFile(t, "server:\n  allowed_hosts: [berth.internal]\n  allowed_origins: [\"https://berth.example.com\"]\n  body_idle_timeout: 2m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Server.AllowedHosts, []string{"berth.internal"}) || c.Server.BodyIdleTimeout != 2*time.Minute ||
		c.Server.IdleTimeout != Default().Server.IdleTimeout {
		t.Fatalf("loaded server settings %+v", c.Server)
	}
	bad := Default()
	err = bad.LoadFile(writeFile(t, "listen: 127.0.0.1:5000\nserver:\n  body_idle_timeout: soon\n"))
	if err == nil || !strings.Contains(err.Error(), "yaml:3:") {
		t.Fatalf("a bad duration in the file: %v, want the line named", err)
	}
}

func TestCanonicalOrigin(t *testing.T) {
	tests := []struct{ in, want string }{
		{"http://127.0.0.1:5000", "http://127.0.0.1:5000"},
		{"HTTP://Berth.Example.COM", "http://berth.example.com"},
		{"http://berth.example.com:80", "http://berth.example.com"},
		{"https://berth.example.com:443", "https://berth.example.com"},
		{"https://berth.example.com:80", "https://berth.example.com:80"},
		{"http://[::1]:5000", "http://[::1]:5000"},
		{"http://[::1]:80", "http://[::1]"},
		{"http://localhost:05000", "http://localhost:5000"},
		{"http://localhost:", "http://localhost"},
		{"null", ""},
		{"http://", ""},
		{"http://a:0", ""},
		{"http://a:65536", ""},
		{"http://a/", ""},
		{"http://user@a", ""},
		{"http://a?x", ""},
		{"file:///etc/passwd", ""},
	}
	for _, tt := range tests {
		got, err := CanonicalOrigin(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("CanonicalOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func FuzzCanonicalOrigin(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:5000", "https://[::1]:443", "HTTP://A.example:80", "null", "http://a:99999", "http://%41"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, origin string) {
		got, err := CanonicalOrigin(origin)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "http://") && !strings.HasPrefix(got, "https://") {
			t.Fatalf("CanonicalOrigin(%q) = %q: not an http origin", origin, got)
		}
		again, err := CanonicalOrigin(got)
		if err != nil || again != got {
			t.Fatalf("CanonicalOrigin(%q) = %q, but that gives %q, %v", origin, got, again, err)
		}
	})
}

func FuzzValidHost(f *testing.F) {
	for _, s := range []string{"berth.internal", "[::1]", "10.0.0.5", "a:1", "", ".", "x..y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if validHost(h) && strings.ContainsAny(h, "/?#@ \t\r\n") {
			t.Fatalf("validHost(%q) accepted a character no host has", h)
		}
	})
}
