// Package docker is berth's driver for one Docker host, through the
// Docker Engine API (any daemon from API 1.41 on; the client negotiates
// the version).
//
// Each app gets a user-defined bridge network, berth-<app>. A replica is
// a container named berth-<app>-<service>-<set>-r<revision>-<index>-<4
// random hex digits>, attached to that network with the service name as
// a network alias, with no published ports: the proxy reaches it at
// its IP on the app's network. Everything berth needs to rebuild its
// view after a restart is in the container's labels (driver.Label* and
// LabelPort), so List needs no state of its own.
//
// Errors for containers and networks the daemon does not know wrap
// driver.ErrNotFound, and images that cannot be had wrap
// driver.ErrImage; the daemon's message is kept in both.
package docker
