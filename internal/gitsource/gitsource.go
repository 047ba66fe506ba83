package gitsource

import (
	"errors"
	"fmt"
	"time"
)

// Auth are a source's credentials, already read from their files or
// environment variables by the caller. They never appear in errors or
// logs.
type Auth struct {
	// Username is the HTTP basic user name. For a token alone most hosts
	// take any non-empty name: "git" is used when it is empty. Over SSH
	// it is the user when the URL names none.
	Username string
	// Password is the HTTP basic password or token.
	Password string
	// SSHKey is a PEM private key for ssh:// and scp-style URLs.
	SSHKey []byte
	// SSHKeyPassphrase decrypts SSHKey when it is encrypted.
	SSHKeyPassphrase string
	// KnownHosts are known_hosts lines; required over SSH.
	KnownHosts []byte
}

// Config says which source to follow.
type Config struct {
	// Name is the source's name, for messages.
	Name string
	// URL is file:// or an absolute local path, https:// (http:// only
	// for loopback hosts), ssh://, or scp-style user@host:path.
	URL string
	// Branch is the branch followed and written to; "main" when empty.
	Branch string
	// Path is the directory inside the repository whose files are read;
	// "" or "." for the root.
	Path string
	Auth Auth
}

// DefaultBranch is the branch followed when Config.Branch is empty.
const DefaultBranch = "main"

// MaxFileSize is the size of the largest file Files and Update read.
const MaxFileSize = 1 << 20

// Commit is a commit of the source's branch.
type Commit struct {
	Hash    string
	Message string
	// Author is "Name <email>".
	Author string
	// When is when the commit was authored.
	When time.Time
}

// File is a file under the source's path at a commit.
type File struct {
	// Path is relative to the repository's root, slash-separated.
	Path string
	Data []byte
}

// Signature names the author (and committer) of a commit.
type Signature struct{ Name, Email string }

// Change is a commit to make. Edit reads files at the tip of the remote
// branch (paths relative to the repository's root, slash-separated; a
// missing file is fs.ErrNotExist) and returns the new contents of the
// files it changes, a nil value deleting a file. Update may call Edit
// more than once: again on a newer tip when a push is rejected because
// someone else pushed meanwhile.
type Change struct {
	Message string
	Author  Signature
	Edit    func(read func(path string) ([]byte, error)) (map[string][]byte, error)
}

var (
	// ErrUnreachable reports a failure to reach the source that is worth
	// retrying with backoff; the cause is wrapped too.
	ErrUnreachable = errors.New("source unreachable")
	// ErrAuth reports credentials the source refused, or over SSH a host
	// key that is not the known one (a *HostKeyError).
	ErrAuth = errors.New("source refused the credentials")
	// ErrBranchUnknown reports a branch the source does not have.
	ErrBranchUnknown = errors.New("branch unknown")
	// ErrNothingToCommit reports a Change whose Edit changed nothing.
	ErrNothingToCommit = errors.New("nothing to commit")
	// ErrConflict reports an Update whose push was rejected too many
	// times because others pushed meanwhile.
	ErrConflict = errors.New("push rejected too many times")
)

// HostKeyError reports an SSH host whose key is not the one known_hosts
// holds for it: unknown, changed or revoked. It is ErrAuth.
type HostKeyError struct {
	// Host is the host and port dialled.
	Host string
	// Changed is true when known_hosts holds other keys for the host.
	Changed bool
	// Revoked is true when known_hosts revokes the key.
	Revoked bool
}

func (e *HostKeyError) Error() string {
	switch {
	case e.Revoked:
		return fmt.Sprintf("the SSH host key of %s is revoked in known_hosts", e.Host)
	case e.Changed:
		return fmt.Sprintf("the SSH host key of %s is not the one in known_hosts: it changed, or someone is in the middle", e.Host)
	}
	return fmt.Sprintf("the SSH host %s is not in known_hosts: add its key to the source's known hosts", e.Host)
}

func (e *HostKeyError) Unwrap() error { return ErrAuth }

// FileTooLargeError reports a file over MaxFileSize.
type FileTooLargeError struct {
	Path string
	Size int64
}

func (e *FileTooLargeError) Error() string {
	return fmt.Sprintf("%s is %d bytes, over the limit of %d", e.Path, e.Size, MaxFileSize)
}
