package meta

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	bolt "go.etcd.io/bbolt"

	"github.com/berth-dev/berth/internal/pattern"
)

// RetentionRule says what may go from the repositories matching Repos:
// tags matching Tags beyond the newest Keep, and manifests that no tag,
// index or live subject keeps, linked longer ago than UntaggedOlderThan.
type RetentionRule struct {
	Repos             string
	Tags              string
	Keep              int
	UntaggedOlderThan time.Duration
}

// Expired is a tag, or an untagged manifest, that retention removes.
type Expired struct {
	Repo   string        `json:"repo"`
	Tag    string        `json:"tag,omitempty"`
	Digest digest.Digest `json:"digest"`
	// Since is when the tag was set or the manifest linked; the removal
	// is skipped if that has changed by then.
	Since time.Time `json:"since"`
}

// FindExpired applies rules at now. Tags that guard protects are never
// expired; a manifest counts as tagged if any tag that stays points at it.
func (db *DB) FindExpired(rules []RetentionRule, now time.Time, guard TagGuard) ([]Expired, error) {
	var out []Expired
	err := db.view(func(tx *bolt.Tx) error {
		out = nil
		return tx.Bucket(bucketRepos).ForEach(func(name, _ []byte) error {
			r, _ := openRepo(tx, string(name))
			found, err := expiredIn(tx, r, string(name), rules, now, guard)
			out = append(out, found...)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("applying retention: %w", err)
	}
	return out, nil
}

func expiredIn(tx *bolt.Tx, r repo, name string, rules []RetentionRule, now time.Time, guard TagGuard) ([]Expired, error) {
	var tags []TagInfo
	err := r.tags.ForEach(func(k, v []byte) error {
		d, at := decodeTag(v)
		tags = append(tags, TagInfo{Tag: string(k), Digest: d, Updated: at})
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Newest first; ties go to the later name so the order is stable.
	slices.SortFunc(tags, func(a, b TagInfo) int {
		if c := b.Updated.Compare(a.Updated); c != 0 {
			return c
		}
		return strings.Compare(b.Tag, a.Tag)
	})
	var out []Expired
	gone := map[string]bool{}
	var untaggedCutoff time.Time // the most permissive matching rule wins
	for _, rule := range rules {
		if !pattern.Match(rule.Repos, name) {
			continue
		}
		if rule.Keep > 0 {
			kept := 0
			for _, t := range tags {
				if !pattern.Match(rule.Tags, t.Tag) || gone[t.Tag] {
					continue
				}
				if kept < rule.Keep || guard.check(name, t.Tag, t.Digest, "delete") != nil {
					kept++
					continue
				}
				gone[t.Tag] = true
				out = append(out, Expired{Repo: name, Tag: t.Tag, Digest: t.Digest, Since: t.Updated})
			}
		}
		if rule.UntaggedOlderThan > 0 {
			if c := now.Add(-rule.UntaggedOlderThan); untaggedCutoff.IsZero() || c.After(untaggedCutoff) {
				untaggedCutoff = c
			}
		}
	}
	if untaggedCutoff.IsZero() {
		return out, nil
	}
	tagged := map[digest.Digest]bool{}
	for _, t := range tags {
		if !gone[t.Tag] {
			tagged[t.Digest] = true
		}
	}
	err = r.manifests.ForEach(func(k, v []byte) error {
		d := digest.Digest(k)
		var link manifestLink
		if err := decode(k, v, &link); err != nil {
			return err
		}
		if tagged[d] || !link.Linked.Before(untaggedCutoff) {
			return nil
		}
		keep, err := keptUntagged(tx, r, d)
		if err != nil || keep {
			return err
		}
		out = append(out, Expired{Repo: name, Digest: d, Since: link.Linked})
		return nil
	})
	return out, err
}

// keptUntagged reports whether an untagged manifest must stay: an index in
// the repository lists it, or it refers to a subject that is still there.
func keptUntagged(tx *bolt.Tx, r repo, d digest.Digest) (bool, error) {
	if r.referenced(d) {
		return true, nil
	}
	var rec manifestRecord
	if _, err := get(tx.Bucket(bucketManifests), d.String(), &rec); err != nil {
		return false, err
	}
	return rec.Subject != "" && r.manifests.Get([]byte(rec.Subject)) != nil, nil
}

// Expire removes what FindExpired found, each item only if it is still as
// found (a tag not set again, a manifest still untagged and unkept), and
// returns what it removed.
func (db *DB) Expire(items []Expired, guard TagGuard, o Origin) ([]Expired, error) {
	// Tags first: a manifest they leave untagged is then checked as such.
	ordered := make([]Expired, 0, len(items))
	for _, tagsFirst := range []bool{true, false} {
		for _, e := range items {
			if (e.Tag != "") == tagsFirst {
				ordered = append(ordered, e)
			}
		}
	}
	done, err := inBatches(db, ordered, func(tx *bolt.Tx, e Expired) (bool, error) {
		r, ok := openRepo(tx, e.Repo)
		if !ok {
			return false, nil
		}
		if e.Tag != "" {
			d, at := decodeTag(r.tags.Get([]byte(e.Tag)))
			if d != e.Digest || !at.Equal(e.Since) || guard.check(e.Repo, e.Tag, d, "delete") != nil {
				return false, nil
			}
			if err := r.tags.Delete([]byte(e.Tag)); err != nil {
				return false, err
			}
			return true, audit(tx, o, AuditUntag, e.Repo, e.Tag, d)
		}
		var link manifestLink
		found, err := get(r.manifests, e.Digest.String(), &link)
		if err != nil || !found || !link.Linked.Equal(e.Since) {
			return false, err
		}
		if tags, err := tagsOf(r.tags, e.Digest); err != nil || len(tags) > 0 {
			return false, err
		}
		if keep, err := keptUntagged(tx, r, e.Digest); err != nil || keep {
			return false, err
		}
		return true, deleteManifest(tx, r, e.Repo, e.Digest, guard, o)
	})
	if err != nil {
		return done, fmt.Errorf("expiring content: %w", err)
	}
	return done, nil
}
