package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
)

func TestGateAsksTheAuthServiceForTheScope(t *testing.T) {
	sw := &switchableAuth{}
	g := gate{sw}
	req := func(user, pass string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "http://berth.example/api/apps", nil)
		if user != "" {
			r.SetBasicAuth(user, pass)
		}
		return r
	}
	deployShop := auth.Scope{Type: auth.TypeApp, Name: "shop", Actions: []string{auth.ActionDeploy}}
	t.Run("without accounts everyone is let in", func(t *testing.T) {
		if actor, err := g.Allow(req("", ""), deployShop); err != nil || actor != auth.Anonymous {
			t.Fatalf("%q %v", actor, err)
		}
	})
	cfg := config.Default().Auth
	cfg.Robots = []config.Robot{{Name: "ci", Token: auth.HashRobotToken("berth_t"), Access: []config.Grant{
		{Apps: "shop", Actions: []string{auth.ActionDeploy}},
	}}}
	svc, err := auth.New(cfg, filepath.Join(t.TempDir(), "token.key"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	sw.svc.Store(svc)
	for _, tt := range []struct {
		name       string
		user, pass string
		scope      auth.Scope
		actor      string
		err        error
	}{
		{"a scope without actions asks only who is calling", "ci", "berth_t", auth.Scope{}, "ci", nil},
		{"nobody must log in even for that", "", "", auth.Scope{}, "", auth.ErrUnauthorized},
		{"a granted action on an app is allowed", "ci", "berth_t", deployShop, "ci", nil},
		{"another action is denied", "ci", "berth_t", auth.Scope{Type: auth.TypeApp, Name: "shop", Actions: []string{auth.ActionRemove}}, "", auth.ErrDenied},
		{"the admin API is denied", "ci", "berth_t", auth.Scope{Type: auth.TypeRegistry, Name: "admin", Actions: []string{"*"}}, "", auth.ErrDenied},
	} {
		t.Run(tt.name, func(t *testing.T) {
			actor, err := g.Allow(req(tt.user, tt.pass), tt.scope)
			if actor != tt.actor || !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("Allow = %q, %v; want %q, %v", actor, err, tt.actor, tt.err)
			}
		})
	}
}
