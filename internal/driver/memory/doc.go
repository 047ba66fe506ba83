// Package memory is a driver that runs replicas inside berth's own
// process, for tests of the deploy engine that need many rollouts in
// seconds: a container is a Program, a Go function that serves on a
// listener of its own loopback address (127.77.x.y) and returns its exit
// code, and an image is a Program with its entrypoint, command,
// environment and labels, pushed to a Registry that drivers pull from.
//
// It keeps the Docker driver's contract, which the conformance suite
// (drivertest) checks: pull policies, ErrImage and ErrNotFound, a start
// that fails leaving nothing behind, a stop that sends the stop signal
// (the Program's context ends), waits out the grace and then kills (its
// listeners and connections close at once and it counts as exited with
// 137), labels that round-trip, logs, and health checks run as Docker
// runs them: the check is the image's Program started with the check's
// arguments, healthy on exit code 0.
//
// A Program has no filesystem, no user, no network of its own and no
// kernel limits, so of a ContainerSpec's Runtime the driver applies only
// the restart policy (without delay or window). Every other key is
// refused (driver.Refuser), by its Compose name (Runtime.Keys), unless a
// test lists it in Options.Record: then the driver records it, and
// Describe returns it, without applying it, so that the engine's
// ordering of a spec with volumes or ports can be tested; such a driver
// says so in its Name. Drivers made on one Host share its images,
// containers, networks and volumes, as two clients of one daemon do.
package memory
