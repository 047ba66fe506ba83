package auth

import (
	"errors"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/config"
)

// appConfig is testConfig with a robot that may push shop/** and deploy
// and read the app shop, and a user who may read every app.
func appConfig(t testing.TB) config.Auth {
	t.Helper()
	cfg := testConfig(t)
	cfg.Robots = append(cfg.Robots, config.Robot{Name: "shop-ci", Token: HashRobotToken("berth_shop-ci"), Access: []config.Grant{
		{Repos: "shop/**", Actions: []string{"pull", "push"}},
		{Apps: "shop", Actions: []string{"deploy", "read"}},
	}}, config.Robot{Name: "int-ci", Token: HashRobotToken("berth_int-ci"), Access: []config.Grant{
		{Apps: "integration/*", Actions: []string{"deploy", "promote"}},
		{Apps: "*/shop", Actions: []string{"read"}},
	}})
	cfg.Users[0].Access = append(cfg.Users[0].Access, config.Grant{Apps: "**", Actions: []string{"read", "logs"}})
	return cfg
}

func TestAppRights(t *testing.T) {
	s := newTestService(t, appConfig(t))
	shopCI := basic("shop-ci", "berth_shop-ci")
	tests := []struct {
		name   string
		header string
		need   Scope
		allow  bool
	}{
		{"a robot may deploy the app it is granted", shopCI, app("shop", "deploy"), true},
		{"a robot may read the app it is granted", shopCI, app("shop", "read"), true},
		{"a robot may not deploy another app", shopCI, app("other", "deploy"), false},
		{"a robot may not roll back without the right", shopCI, app("shop", "rollback"), false},
		{"a robot may not remove the app without the right", shopCI, app("shop", "remove"), false},
		{"a name pattern does not match a longer name", shopCI, app("shop-admin", "deploy"), false},
		{"a repository grant is not an app grant", shopCI, app("shop/web", "deploy"), false},
		{"an app grant is not a repository grant", shopCI, repo("shop", "push"), false},
		{"a repository grant still works beside an app grant", shopCI, repo("shop/web", "push"), true},
		{"an app grant does not give pulls of the app's name", basic("alice", alicePassword), repo("shop", "pull"), false},
		{"** matches an app in an environment", basic("alice", alicePassword), app("production/shop", "read"), true},
		{"a read grant gives no deploy", basic("alice", alicePassword), app("shop", "deploy"), false},
		{"an admin may do anything to an app", basic("root", rootPassword), app("shop", "remove"), true},
		{"an account without app grants may not read an app", basic("bob", bobPassword), app("shop", "read"), false},
		{"a robot's repository grants give it no app", basic("ci", ciToken), app("apps", "read"), false},
		{"a grant without an environment covers the app in every one", shopCI, app("production/shop", "deploy"), true},
		{"a grant without an environment covers no other app", shopCI, app("production/other", "deploy"), false},
		{"an environment grant covers its apps", basic("int-ci", "berth_int-ci"), app("integration/shop", "deploy"), true},
		{"an environment grant covers no other environment", basic("int-ci", "berth_int-ci"), app("production/shop", "deploy"), false},
		{"an environment grant gives no approval", basic("int-ci", "berth_int-ci"), app("integration/shop", "approve"), false},
		{"*/app covers the app in every environment", basic("int-ci", "berth_int-ci"), app("production/shop", "read"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			actor, err := s.Authorize(request(tt.header), []Scope{tt.need})
			if tt.allow != (err == nil) {
				t.Fatalf("Authorize(%s) = %q, %v; want allowed %v", tt.need, actor, err, tt.allow)
			}
			if err != nil && !errors.Is(err, ErrDenied) {
				t.Fatalf("refused with %v, want ErrDenied", err)
			}
		})
	}
	t.Run("nobody without credentials may read an app, whatever anonymous may pull", func(t *testing.T) {
		if _, err := s.Authorize(request(""), []Scope{app("public", "read")}); !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("anonymous read: %v", err)
		}
	})
}

func TestDeniedErrorSaysHowToGrant(t *testing.T) {
	s := newTestService(t, appConfig(t))
	for _, tt := range []struct {
		name   string
		header string
		need   []Scope
		want   string
	}{
		{"a robot that may not deploy an app", basic("shop-ci", "berth_shop-ci"), []Scope{app("other", "deploy")},
			`robot "shop-ci" may not deploy app "other": that takes the deploy right on app "other", which shop-ci's access does not give. ` +
				`To allow it, run berth robot grant shop-ci --access 'app:other=deploy' (or add {apps: "other", actions: [deploy]} to its access in berth.yaml)`},
		{"a user that may read but not deploy", basic("alice", alicePassword), []Scope{app("shop", "read", "deploy")},
			`user "alice" may not deploy app "shop": that takes the deploy right on app "shop", which alice's access does not give. ` +
				`To allow it, run berth user grant alice --access 'app:shop=deploy' (or add {apps: "shop", actions: [deploy]} to its access in berth.yaml)`},
		{"a user that may pull but not push", basic("alice", alicePassword), []Scope{repo("shared/lib", "pull", "push")},
			`user "alice" may not push to repository "shared/lib": that takes the push right on repository "shared/lib", which alice's access does not give. ` +
				`To allow it, run berth user grant alice --access 'shared/lib=push' (or add {repos: "shared/lib", actions: [push]} to its access in berth.yaml)`},
		{"a robot at the admin API", basic("shop-ci", "berth_shop-ci"), []Scope{{Type: TypeRegistry, Name: "admin", Actions: []string{"*"}}},
			`robot "shop-ci" may not use the registry's admin API (registry gc, audit and deliveries): only an admin user may, and no robot is one; ` +
				`run it as an admin user (--user NAME, password in BERTH_PASSWORD)`},
		{"a user at the catalog", basic("bob", bobPassword), []Scope{catalog()},
			`user "bob" may not list the registry's catalog: only an admin may, and bob is not one; run it as an admin user, or make bob one with admin: true in berth.yaml`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Authorize(request(tt.header), tt.need)
			var d *DeniedError
			if !errors.As(err, &d) || err.Error() != tt.want {
				t.Fatalf("error\n got %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestTokenEndpointGrantsAppScopes(t *testing.T) {
	s := newTestService(t, appConfig(t))
	a := askToken(t, s, getToken(basic("shop-ci", "berth_shop-ci"), "scope", "app:shop:deploy,rollback app:other:read"))
	if a.status != 200 {
		t.Fatalf("status %d %+v", a.status, a.body)
	}
	c, err := s.validate(a.body.Token)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Access) != 1 || c.Access[0].Type != TypeApp || c.Access[0].Name != "shop" || strings.Join(c.Access[0].Actions, ",") != "deploy" {
		t.Fatalf("access %+v, want deploy on shop alone", c.Access)
	}
	if _, err := s.Authorize(request("Bearer "+a.body.Token), []Scope{app("shop", "deploy")}); err != nil {
		t.Fatalf("the token does not deploy shop: %v", err)
	}
	for _, bad := range []string{"app:Shop:read", "app:shop:fly", "app:a/b/c:read", "app::read"} {
		if a := askToken(t, s, getToken(basic("shop-ci", "berth_shop-ci"), "scope", bad)); a.status != 400 {
			t.Errorf("scope %q: status %d, want 400", bad, a.status)
		}
	}
}
