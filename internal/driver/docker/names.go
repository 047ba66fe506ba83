package docker

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/berth-dev/berth/internal/driver"
)

// Names on the host. An app's default network is berth-<app> for a
// driver without an instance or an environment, as it has always been.
// Every other network and volume is
// berth-[<instance>-][<env>-]<app>-<name>-<6 hex digits>, the digits a
// hash of the instance, the environment, the app and the name: the
// name reads as what it is, and two apps, instances or environments
// never get the same one, whatever dashes their names hold.

// legacyNetworkName is the default network of app before instances
// and environments.
func legacyNetworkName(app string) string { return "berth-" + app }

// scope is where an object belongs: an instance and an environment,
// either "" for none.
type scope struct{ instance, env string }

// objectName is the name on the host of the app's network or volume
// called name in the spec, in scope s.
func objectName(s scope, app, name string) string {
	if s == (scope{}) && name == driver.DefaultNetwork {
		return legacyNetworkName(app)
	}
	// Without an environment the hash is what it was before
	// environments, so that names made then are found again. No part
	// holds a NUL (checkName), so parts never run into each other.
	key := s.instance + "\x00" + app + "\x00" + name
	if s.env != "" {
		key = s.instance + "\x00" + s.env + "\x00" + app + "\x00" + name
	}
	sum := sha256.Sum256([]byte(key))
	prefix := "berth-"
	if s.instance != "" {
		prefix += s.instance + "-"
	}
	if s.env != "" {
		prefix += s.env + "-"
	}
	return prefix + app + "-" + name + "-" + hex.EncodeToString(sum[:3])
}

// scopes are the scopes of the objects the driver counts as its own,
// those it adopts first and its own last: an adopting driver's objects
// may be from before environments, or before instances, or both. Those
// from before environments come first, since the environment that
// adopts is the one that inherits the host's state.
func (d *Driver) scopes() []scope {
	instances := []string{d.instance}
	if d.instance != "" && d.adopt {
		instances = []string{"", d.instance}
	}
	envs := []string{d.env}
	if d.env != "" && d.adoptEnv {
		envs = []string{"", d.env}
	}
	var out []scope
	for _, env := range envs {
		for _, inst := range instances {
			out = append(out, scope{instance: inst, env: env})
		}
	}
	return out
}

// candidateNames are the names on the host that the app's network or
// volume called name in the spec may have, the one to create last: an
// adopting driver first looks for those made without an instance or an
// environment.
func (d *Driver) candidateNames(app, name, fixed string) []string {
	if fixed != "" {
		return []string{fixed}
	}
	var names []string
	for _, s := range d.scopes() {
		names = append(names, objectName(s, app, name))
	}
	return names
}

// containerPrefix starts the name of every container made in
// environment env ("" for none): berth-[<env>-].
func containerPrefix(env string) string {
	if env == "" {
		return "berth-"
	}
	return "berth-" + env + "-"
}

// containerName is berth-[<env>-]<app>-<service>-<set>-r<revision>-
// <index>-<4 random hex digits>.
func containerName(env string, spec driver.ContainerSpec) string {
	var b [2]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%s%s-%s-%s-r%d-%d-%s", containerPrefix(env), spec.App, spec.Service, spec.Set, spec.Revision, spec.Index, hex.EncodeToString(b[:]))
}
