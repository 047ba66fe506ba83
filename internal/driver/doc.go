// Package driver is how berth's deploy engine acts on a host: pull an
// image, start a container for one replica of a service, stop and remove
// it, and list what berth runs there, from labels alone, so that the
// engine can rebuild its view after a restart. Docker Engine is the first
// implementation (driver/docker); Swarm and Kubernetes implement the same
// interface, and drivertest is the conformance suite every one of them
// passes.
package driver
