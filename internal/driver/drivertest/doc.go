// Package drivertest is the conformance suite every driver.Driver
// passes: Run starts real containers of the test app (internal/testapp)
// through the driver and checks what the deploy engine relies on,
// from networks and pull policies to graceful stops, labels, logs and
// health.
package drivertest
