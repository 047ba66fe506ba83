package server

import (
	"log/slog"
	"path/filepath"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/config"
)

// newAuth returns the service that checks requests and issues tokens, with
// its signing key under the data directory, or nil when the config has no
// users and no robots: then berth does not authenticate.
func newAuth(cfg config.Config, log *slog.Logger) (*auth.Service, error) {
	if !cfg.Auth.Enabled() {
		return nil, nil
	}
	svc, err := auth.New(cfg.Auth, filepath.Join(cfg.DataDir, "auth", "token.key"), log)
	if err != nil {
		return nil, err
	}
	log.Info("authentication enabled", "users", len(cfg.Auth.Users), "robots", len(cfg.Auth.Robots),
		"anonymous_pull", len(cfg.Auth.AnonymousPull))
	return svc, nil
}
