// Package driver is how berth's deploy engine acts on a host: prepare an
// app's networks and volumes, pull an image, start a container for one
// replica of a service with everything its Compose service says about
// it (Runtime), stop and remove it, describe what the host applied, and
// list what berth runs there, from labels alone, so that the engine can
// rebuild its view after a restart. Volumes belong to the app, not to a
// revision: Release removes them only when asked.
//
// Every field of Runtime is applied by a driver or refused by name
// before a rollout (Refuser), never silently left out. Describe answers
// in the form Runtime.Normalized gives, so that a container made from a
// spec describes as the spec's normalized runtime. Two berths sharing a
// host keep apart by LabelInstance, and two environments of one berth
// by LabelEnv: each environment has a driver of its own.
//
// Optional capabilities are found by type assertion: Refuser (the keys a
// driver does not apply), Watcher (changes on the host as they happen)
// and Runner (one-off containers run to completion beside the replicas,
// in the host's network namespace, such as the deploy engine's
// verification jobs; never listed as replicas).
//
// Docker Engine is the first implementation (driver/docker); Swarm and
// Kubernetes implement the same interface, and drivertest is the
// conformance suite every one of them passes.
package driver
