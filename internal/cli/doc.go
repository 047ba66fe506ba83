// Package cli is berth's command line: the cobra command tree, flag parsing
// and how each command is wired to the packages that do the work.
package cli
