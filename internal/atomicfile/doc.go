// Package atomicfile writes files that a crash never leaves half
// written: the data goes to a temporary file in the same directory,
// which is synced and then renamed or linked into place, and the
// directory is synced so that the name survives too.
package atomicfile
