// Package events carries what happens in the registry (pushes, deletes,
// sampled pulls) to whoever listens inside the process: webhook delivery
// now, the deployer later. An event is published only after the change it
// describes is durable.
package events
