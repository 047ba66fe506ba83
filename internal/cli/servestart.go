package cli

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/config"
	"github.com/berth-dev/berth/internal/driver/docker"
)

// dockerProbeTimeout bounds how long start-up waits for Docker to say
// its version: a daemon that does not answer at once is reported, not
// waited for.
const dockerProbeTimeout = 2 * time.Second

// logStartup says at start what a newcomer needs to know before the
// first push and deploy: which tags are immutable, and whether Docker
// answers (probe asks it).
func logStartup(ctx context.Context, log *slog.Logger, cfg config.Config, probe func(context.Context) (docker.Daemon, error)) {
	if len(cfg.ImmutableTags) == 0 {
		log.Info("immutable tags: none; any tag can be moved or deleted (immutable_tags in the config)")
	} else {
		rules := make([]string, len(cfg.ImmutableTags))
		for i, r := range cfg.ImmutableTags {
			rules[i] = r.Tags + " in " + r.Repos
		}
		log.Info("immutable tags: these can be pushed once and never moved or deleted", "rules", strings.Join(rules, ", "))
	}
	ctx, cancel := context.WithTimeout(ctx, dockerProbeTimeout)
	defer cancel()
	d, err := probe(ctx)
	if err != nil {
		log.Warn("docker is not answering: the registry works, but deploys fail until Docker runs "+
			"(start it with: bash scripts/setup.sh, or sudo systemctl start docker)", "host", d.Host, "err", err)
		return
	}
	log.Info("docker found", "host", d.Host, "version", d.Version, "api_version", d.APIVersion)
}
