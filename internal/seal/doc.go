// Package seal keeps small secrets encrypted at rest: the variables and
// files a deploy was given, which the deploy engine stores with each
// revision so that a rollback months later reads its spec the same way.
// A Box encrypts with AES-256-GCM under a 32-byte key kept in a file of
// its own (mode 0600, in a directory made 0700), created on first use.
// Anyone who can read the key file can read the secrets: it sits beside
// berth's token signing key, and the data directory holds both.
package seal
