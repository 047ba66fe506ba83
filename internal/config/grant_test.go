package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestGrantsInTheFile(t *testing.T) {
	const head = "auth:\n  robots:\n    - name: ci\n      token: " + testTokenHash + "\n      access:\n"
	tests := []struct {
		name   string
		access string
		want   []string // in the error; nil when the file loads
	}{
		{"a repository grant", "        - {repos: \"shop/**\", actions: [pull, push]}\n", nil},
		{"an app grant", "        - {apps: shop, actions: [read, logs, deploy, rollback, promote, approve, remove]}\n", nil},
		{"both kinds side by side", "        - {repos: \"shop/**\", actions: [pull]}\n        - {apps: \"prod*\", actions: [deploy]}\n", nil},
		{"a grant with both patterns, with its line", "        - {repos: shop, apps: shop, actions: [pull]}\n",
			[]string{"berth.yaml", "yaml:6:", "not both"}},
		{"a grant with neither pattern", "        - repos: \"shop/**\"\n          actions: [pull]\n        - actions: [deploy]\n",
			[]string{"yaml:8:", "set repos (a repository pattern) or apps"}},
		{"an app action on repositories", "        - {repos: shop, actions: [deploy]}\n",
			[]string{"yaml:6:", `action "deploy" is not for repos: want pull, push or delete`}},
		{"a repository action on apps", "        - {apps: shop, actions: [push]}\n",
			[]string{"yaml:6:", `action "push" is not for apps: want read, logs, deploy, rollback, promote, approve or remove`}},
		{"an action of neither kind", "        - {apps: shop, actions: [fly]}\n", []string{"yaml:6:", `action "fly"`}},
		{"an app written as a repository", "        - {repos: \"app:shop\", actions: [pull]}\n", []string{"yaml:6:", `has no ":"`}},
		{"a misspelt key", "        - {app: shop, actions: [read]}\n", []string{"yaml:6:", "app"}},
		{"no actions", "        - {apps: shop}\n", []string{"yaml:6:", "no actions"}},
		{"a bad pattern", "        - {apps: \"a***\", actions: [read]}\n", []string{"yaml:6:", "at most two *"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.LoadFile(writeFile(t, head+tt.access))
			if tt.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if err := c.Validate(); err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded %+v", c.Auth.Robots)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestValidateChecksGrantsMadeInCode(t *testing.T) {
	for _, tt := range []struct {
		name  string
		grant Grant
		want  string
	}{
		{"both patterns", Grant{Repos: "a", Apps: "a", Actions: []string{"pull"}}, "not both"},
		{"neither pattern", Grant{Actions: []string{"pull"}}, "set repos"},
		{"an app action on repositories", Grant{Repos: "a", Actions: []string{"deploy"}}, `access[0]: action "deploy" is not for repos`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.Auth.Robots = []Robot{{Name: "ci", Token: testTokenHash, Access: []Grant{tt.grant}}}
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := ParseTrustedProxies([]string{"10.0.0.5", "10.1.2.3/8", "::1", "2001:db8::/32", "::ffff:192.0.2.0/120", "::ffff:192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.5/32", "10.0.0.0/8", "::1/128", "2001:db8::/32", "192.0.2.0/24", "192.0.2.9/32"}
	for i, p := range got {
		if p.String() != want[i] {
			t.Errorf("[%d] = %s, want %s", i, p, want[i])
		}
	}
	if !got[4].Contains(netip.MustParseAddr("192.0.2.77")) {
		t.Error("a mapped range does not hold the plain IPv4 addresses")
	}
	for _, bad := range []string{"proxy.example", "10.0.0.0/33", "", "10.0.0.1:80"} {
		if _, err := ParseTrustedProxies([]string{bad}); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
	c := Default()
	c.Auth.TrustedProxies = []string{"10.0.0.0/8", "nginx"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), `auth.trusted_proxies: [1] "nginx"`) {
		t.Fatalf("Validate() = %v", err)
	}
}

func TestGrantAccounts(t *testing.T) {
	path := writeConfig(t, Template, 0o600)
	if err := AddUser(path, alice(), false); err != nil {
		t.Fatal(err)
	}
	if err := AddRobot(path, ciRobot(), false); err != nil {
		t.Fatal(err)
	}
	t.Run("a robot gets an app grant and keeps its token and other grants", func(t *testing.T) {
		if err := GrantRobot(path, "ci", []Grant{{Apps: "shop", Actions: []string{"deploy", "read"}}}); err != nil {
			t.Fatal(err)
		}
		text, cfg := readConfig(t, path)
		r := cfg.Auth.Robots[0]
		if r.Token != testTokenHash || len(r.Access) != 2 || r.Access[0].Repos != "apps/*" ||
			r.Access[1].Apps != "shop" || strings.Join(r.Access[1].Actions, ",") != "deploy,read" {
			t.Fatalf("robot %+v", r)
		}
		if !strings.Contains(text, "- apps: shop\n          actions: [deploy, read]\n") || strings.Contains(text, `repos: ""`) {
			t.Fatalf("the grant is not written as a grant on apps alone:\n%s", text)
		}
	})
	t.Run("new actions on a pattern join the grant already there", func(t *testing.T) {
		if err := GrantRobot(path, "ci", []Grant{{Apps: "shop", Actions: []string{"rollback", "read"}}}); err != nil {
			t.Fatal(err)
		}
		_, cfg := readConfig(t, path)
		if a := cfg.Auth.Robots[0].Access; len(a) != 2 || strings.Join(a[1].Actions, ",") != "deploy,read,rollback" {
			t.Fatalf("access %+v", a)
		}
	})
	t.Run("a user keeps its password", func(t *testing.T) {
		if err := GrantUser(path, "alice", []Grant{{Apps: "**", Actions: []string{"read"}}}); err != nil {
			t.Fatal(err)
		}
		_, cfg := readConfig(t, path)
		if u := cfg.Auth.Users[0]; u.Password != testHash || len(u.Access) != 2 || u.Access[1].Apps != "**" {
			t.Fatalf("user %+v", u)
		}
	})
	t.Run("an account of the other kind or none is refused", func(t *testing.T) {
		if err := GrantRobot(path, "alice", []Grant{{Apps: "x", Actions: []string{"read"}}}); !errors.Is(err, ErrAccountUnknown) {
			t.Fatalf("robot alice: %v", err)
		}
		if err := GrantUser(path, "carol", []Grant{{Apps: "x", Actions: []string{"read"}}}); !errors.Is(err, ErrAccountUnknown) {
			t.Fatalf("user carol: %v", err)
		}
	})
	t.Run("a grant that would not validate changes nothing", func(t *testing.T) {
		before, _ := readConfig(t, path)
		if err := GrantRobot(path, "ci", []Grant{{Apps: "shop", Actions: []string{"push"}}}); err == nil {
			t.Fatal("an app grant with push was written")
		}
		if after, _ := readConfig(t, path); after != before {
			t.Fatalf("the file changed:\n%s", after)
		}
	})
}
