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
	// TrustedProxies lists the addresses and CIDR ranges of the load
	// balancers in front of the proxy. Only a request from one of them
	// has its client address taken from X-Forwarded-For or Forwarded, for
	// the access log and for the X-Forwarded-For backends get.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

func defaultProxy() Proxy {
	return Proxy{BodyIdleTimeout: 30 * time.Second}
}

func (p Proxy) validate() []error {
	var errs []error
	if p.BodyIdleTimeout < time.Second {
		errs = append(errs, fmt.Errorf("proxy.body_idle_timeout %s: want at least 1s", p.BodyIdleTimeout))
	}
	if _, err := ParseTrustedProxies(p.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("proxy.trusted_proxies: %w", err))
	}
	return errs
}
