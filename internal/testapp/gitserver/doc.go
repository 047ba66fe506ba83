// Package gitserver gives tests real git repositories: a bare repository
// on disk with a first commit on main, served over smart HTTP by git
// http-backend behind basic auth, and working clones in which a test
// commits and pushes as a person would.
//
// Everything runs the git CLI (and git http-backend) in a hermetic
// environment (a HOME of its own, no system or global configuration, no
// prompts, a fixed identity, branch main), so a developer's own
// configuration never leaks into a test. Every helper takes the
// testing.TB it works for, makes its directories with TempDir and ends
// the test with the command and all git printed when git fails.
//
// It is test support: it is imported by the tests of internal/gitsource,
// the end-to-end tests and the benchmarks, never by berth itself.
package gitserver
