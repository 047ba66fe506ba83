// Package version reports which build of berth is running, from the
// module and VCS information the Go toolchain records in the binary.
package version
