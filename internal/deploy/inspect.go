package deploy

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// ContainerDetail is one container of a service as the host runs it.
type ContainerDetail struct {
	Name      string    `json:"name"`
	ID        string    `json:"id"`
	Revision  int       `json:"revision"`
	Set       string    `json:"set"`
	Image     string    `json:"image"`
	State     string    `json:"state"`
	Health    string    `json:"health"`
	ExitCode  int       `json:"exitCode,omitempty"`
	StartedAt time.Time `json:"startedAt,omitzero"`
	Addr      string    `json:"addr,omitempty"`
	// Runtime is what the host applied: mounts, ports, limits, user and
	// security options, secrets and configs without their content.
	Runtime driver.Runtime `json:"runtime"`
}

// Inspect returns the containers of app's service as the host runs
// them, all of them, whatever their revision or state.
func (e *Engine) Inspect(ctx context.Context, app, service string) ([]ContainerDetail, error) {
	if _, err := e.store.app(app); err != nil {
		return nil, err
	}
	insts, err := e.driver.List(ctx, app)
	if err != nil {
		return nil, fmt.Errorf("listing the containers of %s: %w", app, err)
	}
	out := []ContainerDetail{}
	for _, i := range insts {
		if i.Service != service {
			continue
		}
		rt, err := e.driver.Describe(ctx, i.ID)
		if err != nil {
			return nil, fmt.Errorf("describing %s: %w", i.Name, err)
		}
		out = append(out, ContainerDetail{
			Name: i.Name, ID: i.ID, Revision: i.Revision, Set: i.Set, Image: i.Image, State: i.State,
			Health: i.Health, ExitCode: i.ExitCode, StartedAt: i.StartedAt, Addr: i.Addr, Runtime: rt,
		})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s has no containers for service %s", ErrAppUnknown, app, service)
	}
	return out, nil
}

// Ports renders the ports a runtime publishes the way docker ps does:
// 127.0.0.1:6499->8080/tcp, *->53/udp for a port the host picks.
func Ports(rt driver.Runtime) []string {
	var out []string
	for _, p := range rt.Ports {
		host := p.HostPort
		if host == "" {
			host = "*"
		}
		if p.HostIP != "" {
			host = p.HostIP + ":" + host
		}
		out = append(out, host+"->"+strconv.Itoa(p.ContainerPort)+"/"+p.Protocol)
	}
	return out
}
