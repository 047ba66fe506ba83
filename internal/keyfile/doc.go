// Package keyfile keeps berth's secret keys in files of their own in the
// data directory: the key that signs tokens and the key that seals
// deploy secrets. A key is 32 random bytes, made on first use in a file
// of mode 0600 in a directory made 0700. It is written under a
// temporary name, synced and linked into place, so a crash never leaves
// a partial key and two processes starting at once agree on one.
package keyfile
