// Package e2e tests berth as its users run it: the real binary, started
// and killed as a process, driven by the real docker CLI, skopeo and the
// go-containerregistry client. It holds only tests and their helpers.
package e2e
