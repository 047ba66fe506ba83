// Package drivertest is the conformance suite every driver.Driver
// passes: Run starts real containers of the test app (internal/testapp)
// through the driver and checks what the deploy engine relies on, from
// networks and pull policies to graceful stops, labels, logs and
// health.
//
// For each Compose key a container can have (driver.Runtime), the
// suite starts a container with it set and checks that Describe reports
// it (Describe of the container equals the spec's normalized runtime)
// and, where it shows from inside, that the test app sees it: its user,
// groups, files and their modes and owners, limits, names, a read-only
// root, published ports answering from the host. A driver that refuses
// a key (driver.Refuser) must give a reason naming itself, and Start
// with the key set must fail with an error naming the key and leave no
// container. Volumes keep their data across containers of later
// revisions and a release, until the volumes are released.
//
// Keys that need something of the host (bind mounts, block devices, a
// cgroup parent, another OCI runtime) take it from Env; a driver that
// applies such a key without the Env field set fails the suite rather
// than skip the key.
package drivertest
