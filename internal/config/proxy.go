package config

import (
	"fmt"
	"time"
)

// Proxy configures the edge proxy on ProxyListen.
type Proxy struct {
	// BodyIdleTimeout cuts a request whose body sends nothing for this
	// long, with 408; a body that keeps coming is never cut.
	BodyIdleTimeout time.Duration `yaml:"body_idle_timeout"`
}

func defaultProxy() Proxy {
	return Proxy{BodyIdleTimeout: 30 * time.Second}
}

func (p Proxy) validate() []error {
	if p.BodyIdleTimeout < time.Second {
		return []error{fmt.Errorf("proxy.body_idle_timeout %s: want at least 1s", p.BodyIdleTimeout)}
	}
	return nil
}
