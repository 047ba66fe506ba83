package gitsource

import (
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		name, url string
		protocol  string // "" when refused
		host      string
		port      int // 0 for the protocol's own
		user      string
	}{
		{"a file URL", "file:///srv/git/apps.git", "file", "", 0, ""},
		{"a file URL naming localhost", "file://localhost/srv/git/apps.git", "file", "", 0, ""},
		{"an absolute local path", "/srv/git/apps.git", "file", "", 0, ""},
		{"an https URL", "https://git.example.com/org/apps.git", "https", "git.example.com", 0, ""},
		{"an https URL with a port and a user", "https://ci@git.example.com:8443/org/apps", "https", "git.example.com", 8443, "ci"},
		{"http to localhost", "http://localhost:3000/org/apps.git", "http", "localhost", 3000, ""},
		{"http to a loopback address", "http://127.0.0.1/apps.git", "http", "127.0.0.1", 0, ""},
		{"http to the IPv6 loopback", "http://[::1]:8080/apps.git", "http", "[::1]", 8080, ""},
		{"an ssh URL", "ssh://git@github.com/org/apps.git", "ssh", "github.com", 0, "git"},
		{"an ssh URL with a port", "ssh://git@git.example.com:2222/srv/apps.git", "ssh", "git.example.com", 2222, "git"},
		{"scp-style", "git@github.com:org/apps.git", "ssh", "github.com", 22, "git"},
		{"scp-style without a user", "github.com:org/apps.git", "ssh", "github.com", 22, ""},
		{"scp-style with a path from the home directory", "git@example.com:apps.git", "ssh", "example.com", 22, "git"},
		{"scp-style with a port", "git@127.0.0.1:2222:/srv/apps.git", "ssh", "127.0.0.1", 2222, "git"},

		{"nothing", "", "", "", 0, ""},
		{"http to another host", "http://git.example.com/apps.git", "", "", 0, ""},
		{"http to a host named like localhost", "http://localhost.example.com/apps.git", "", "", 0, ""},
		{"the git protocol", "git://git.example.com/apps.git", "", "", 0, ""},
		{"an unknown scheme", "ftp://example.com/apps.git", "", "", 0, ""},
		{"a password in an https URL", "https://user:secret@example.com/apps.git", "", "", 0, ""},
		{"a password in an ssh URL", "ssh://user:secret@example.com/apps.git", "", "", 0, ""},
		{"a password in scp-style", "user:secret@example.com:apps.git", "", "", 0, ""},
		{"a query", "https://example.com/apps.git?token=secret", "", "", 0, ""},
		{"a fragment", "https://example.com/apps.git#main", "", "", 0, ""},
		{"a relative path", "apps.git", "", "", 0, ""},
		{"a dot path", "./apps.git", "", "", 0, ""},
		{"a file URL naming a host", "file://server/srv/apps.git", "", "", 0, ""},
		{"an https URL with no host", "https:///apps.git", "", "", 0, ""},
		{"an https URL with no path", "https://example.com", "", "", 0, ""},
		{"an ssh host like an option", "ssh://-oProxyCommand=x/apps.git", "", "", 0, ""},
		{"an scp-style host like an option", "-oProxyCommand=x:apps.git", "", "", 0, ""},
		{"a newline", "https://example.com/apps.git\n", "", "", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseURL(tc.url)
			if tc.protocol == "" {
				if err == nil {
					t.Fatalf("parseURL(%q) = %+v, want an error", tc.url, r)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q holds the secret", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tc.url, err)
			}
			want := remote{url: tc.url, protocol: tc.protocol, host: tc.host, port: tc.port, user: tc.user}
			if r != want {
				t.Errorf("parseURL(%q) = %+v, want %+v", tc.url, r, want)
			}
		})
	}
}

func TestCleanPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {".", ""}, {"./", ""}, {"apps", "apps"}, {"apps/", "apps"}, {"./apps//prod/", "apps/prod"},
		{"apps/../other", "other"}, {"..", "!"}, {"../x", "!"}, {"a/../../x", "!"}, {"/apps", "!"}, {`apps\prod`, "!"},
	} {
		got, err := cleanPath(tc.in)
		if tc.want == "!" {
			if err == nil {
				t.Errorf("cleanPath(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("cleanPath(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}
