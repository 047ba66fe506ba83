package docker

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/berth-dev/berth/internal/driver"
)

// Names on the host. An app's default network is berth-<app> for a
// driver without an instance, as it has always been. Every other
// network and volume is berth-[<instance>-]<app>-<name>-<6 hex digits>,
// the digits a hash of the instance, the app and the name: the name
// reads as what it is, and two apps or two instances never get the same
// one, whatever dashes their names hold.

// legacyNetworkName is the default network of app before instances.
func legacyNetworkName(app string) string { return "berth-" + app }

// objectName is the name on the host of the app's network or volume
// called name in the spec, for instance.
func objectName(instance, app, name string) string {
	if instance == "" && name == driver.DefaultNetwork {
		return legacyNetworkName(app)
	}
	sum := sha256.Sum256([]byte(instance + "\x00" + app + "\x00" + name))
	prefix := "berth-"
	if instance != "" {
		prefix += instance + "-"
	}
	return prefix + app + "-" + name + "-" + hex.EncodeToString(sum[:3])
}

// candidateNames are the names on the host that the app's network or
// volume called name in the spec may have, the one to create last: an
// adopting driver first looks for the one made without an instance.
func (d *Driver) candidateNames(app, name, fixed string) []string {
	if fixed != "" {
		return []string{fixed}
	}
	own := objectName(d.instance, app, name)
	if d.instance != "" && d.adopt {
		return []string{objectName("", app, name), own}
	}
	return []string{own}
}
