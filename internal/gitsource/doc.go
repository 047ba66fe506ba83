// Package gitsource is berth's git layer for a source: a repository,
// branch and path inside it whose Compose files are apps. It keeps a
// private bare clone in a directory of its own, fetches the branch,
// reads the files of a commit from git's objects and writes commits
// (image updates, rollbacks) that it pushes to the branch.
//
// Nothing is checked out: files are read from trees and commits are made
// by building trees in memory, so nothing on disk can drift from what
// git holds. A clone is made in a temporary directory and renamed into
// place when it is complete, so a crash never leaves a half-made clone
// that looks whole.
//
// Sources are reached over file:// or a local path, https:// (http://
// only for loopback hosts), ssh:// or scp-style user@host:path. Over SSH
// the host's key must be in the known_hosts lines given; an unknown or
// changed host key is a *HostKeyError, which is ErrAuth, naming the host.
// Credentials never appear in errors or logs.
//
// Over file:// go-git runs git-upload-pack and git-receive-pack of the
// installed git; HTTP and SSH need no git on the host.
package gitsource
