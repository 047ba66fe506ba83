package server

import (
	"net"

	"github.com/berth-dev/berth/internal/deploy"
)

// proxyAddr is the address the edge proxy listens on, where the deploy
// engine's verification jobs reach the apps (deploy.Options.ProxyAddr):
// router's, when it says; "" otherwise.
func proxyAddr(router deploy.Router) string {
	if r, ok := router.(interface{ Addr() net.Addr }); ok {
		if a := r.Addr(); a != nil {
			return a.String()
		}
	}
	return ""
}
