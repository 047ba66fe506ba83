package server

import (
	"log/slog"
	"net/http"
	"path/filepath"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/registry"
)

// newAuth returns what checks registry requests and the token endpoint
// that issues their tokens, with the signing key under the data
// directory. Both are nil when the config has no users and no robots:
// then berth does not authenticate.
func newAuth(cfg config.Config, log *slog.Logger) (registry.Authorizer, http.Handler, error) {
	if !cfg.Auth.Enabled() {
		return nil, nil, nil
	}
	svc, err := auth.New(cfg.Auth, filepath.Join(cfg.DataDir, "auth", "token.key"), log)
	if err != nil {
		return nil, nil, err
	}
	log.Info("authentication enabled", "users", len(cfg.Auth.Users), "robots", len(cfg.Auth.Robots),
		"anonymous_pull", len(cfg.Auth.AnonymousPull))
	return svc, svc.TokenHandler(), nil
}
