package meta

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/opencontainers/go-digest"
)

// Nothing a manifest in a repository references (a config, a layer, an
// index's child) can be deleted from that repository while the manifest
// is there: deleting it would leave the manifest broken for every pull.
// The manifest goes first, and then what it alone used.
//
// A release that cannot be moved must not be breakable either, and a
// refusal says so when that is the reason. A tag an immutable rule
// matches protects what a pull of it needs: the manifest it points at;
// when that is an index, every child, and every child's children; and
// the config and layers of each of these manifests. Nothing else is
// protected. A referrer (a signature, an SBOM) is not needed to pull its
// subject, so it can be deleted like any manifest; and a protected
// referrer does not protect its subject, which the spec lets be missing.
//
// The checks run in the transaction that deletes, so a push at the same
// moment is either seen, or comes after the delete and is refused for
// referencing what is gone.

// ErrInUse reports deleting content that a manifest in the repository
// still references.
var ErrInUse = errors.New("content in use")

// InUseError names the content and a manifest in the repository that
// uses it.
type InUseError struct {
	Repo   string
	Digest digest.Digest
	What   string        // "blob" or "manifest"
	By     digest.Digest // a manifest that references Digest
}

func (e *InUseError) Error() string {
	return fmt.Sprintf("%s %s is used by manifest %s in %s; delete that manifest first", e.What, e.Digest, e.By, e.Repo)
}
func (e *InUseError) Unwrap() error { return ErrInUse }

// ProtectedError names content that an immutable tag's pull needs, and
// the tag and rule that protect it.
type ProtectedError struct {
	Repo   string
	Digest digest.Digest
	What   string // "blob" or "manifest"
	Tag    string
	Rule   string
}

func (e *ProtectedError) Error() string {
	return fmt.Sprintf("%s %s is part of tag %s in %s, which is immutable (rule %s), and cannot be deleted",
		e.What, e.Digest, e.Tag, e.Repo, e.Rule)
}
func (e *ProtectedError) Unwrap() error { return ErrImmutable }

// checkDelete refuses deleting d (a blob or manifest, as what says) from
// the repository while a manifest there references it: with a
// ProtectedError when a tag that guard protects needs it, else with an
// InUseError.
func checkDelete(r repo, name string, d digest.Digest, what string, guard TagGuard) error {
	users := r.users(d)
	if len(users) == 0 {
		return nil
	}
	if tag, rule := protector(r, name, users, guard); tag != "" {
		return &ProtectedError{Repo: name, Digest: d, What: what, Tag: tag, Rule: rule}
	}
	return &InUseError{Repo: name, Digest: d, What: what, By: users[0]}
}

// users lists the manifests in the repository that reference d.
func (r repo) users(d digest.Digest) []digest.Digest {
	var out []digest.Digest
	prefix := pairKey(d.String(), "")
	c := r.refs.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		out = append(out, digest.Digest(k[len(prefix):]))
	}
	return out
}

// protector returns a tag that guard protects and its rule, if one points
// at any of manifests or at an index that lists one of them, at any
// depth; "" when none does.
func protector(r repo, name string, manifests []digest.Digest, guard TagGuard) (tag, rule string) {
	if guard == nil {
		return "", ""
	}
	above := map[digest.Digest]bool{}
	for queue := manifests; len(queue) > 0; {
		m := queue[0]
		queue = queue[1:]
		if !above[m] {
			above[m] = true
			queue = append(queue, r.users(m)...)
		}
	}
	c := r.tags.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if target, _ := decodeTag(v); above[target] {
			if rule := guard(name, string(k)); rule != "" {
				return string(k), rule
			}
		}
	}
	return "", ""
}
