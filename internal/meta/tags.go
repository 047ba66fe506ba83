package meta

import (
	"bytes"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Page is one page of a lexically ordered listing.
type Page struct {
	Items []string
	More  bool // another page follows the last item
}

// Tags lists the tags of repository name after last (exclusive), at most n
// of them; n < 0 means all.
func (db *DB) Tags(name, last string, n int) (Page, error) {
	var page Page
	err := db.view(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		page = list(r.tags, last, n, false)
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("listing tags of %s: %w", name, err)
	}
	return page, nil
}

// Repositories lists repository names after last, at most n; n < 0 means
// all.
func (db *DB) Repositories(last string, n int) (Page, error) {
	var page Page
	err := db.view(func(tx *bolt.Tx) error {
		page = list(tx.Bucket(bucketRepos), last, n, true)
		return nil
	})
	if err != nil {
		return Page{}, fmt.Errorf("listing repositories: %w", err)
	}
	return page, nil
}

// list walks b's keys in order after last. Keys of nested buckets have nil
// values; buckets selects them instead of plain keys.
func list(b *bolt.Bucket, last string, n int, buckets bool) Page {
	var page Page
	c := b.Cursor()
	k, v := c.First()
	if last != "" {
		k, v = c.Seek([]byte(last))
		if k != nil && bytes.Equal(k, []byte(last)) {
			k, v = c.Next()
		}
	}
	for ; k != nil; k, v = c.Next() {
		if (v == nil) != buckets {
			continue
		}
		if n >= 0 && len(page.Items) == n {
			page.More = true
			break
		}
		page.Items = append(page.Items, string(k))
	}
	return page
}

// DeleteTag removes tag from repository name; the manifest stays.
func (db *DB) DeleteTag(name, tag string, guard TagGuard, o Origin) error {
	err := db.update(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		d, _ := decodeTag(r.tags.Get([]byte(tag)))
		if d == "" {
			return ErrManifestUnknown
		}
		if err := guard.check(name, tag, d, "delete"); err != nil {
			return err
		}
		if err := r.tags.Delete([]byte(tag)); err != nil {
			return err
		}
		return audit(tx, o, AuditUntag, name, tag, d)
	})
	if err != nil {
		return fmt.Errorf("deleting tag %s from %s: %w", tag, name, err)
	}
	return nil
}

// TagInfos lists every tag of repository name with its target and time.
func (db *DB) TagInfos(name string) ([]TagInfo, error) {
	var out []TagInfo
	err := db.view(func(tx *bolt.Tx) error {
		r, ok := openRepo(tx, name)
		if !ok {
			return ErrNameUnknown
		}
		return r.tags.ForEach(func(k, v []byte) error {
			d, at := decodeTag(v)
			out = append(out, TagInfo{Tag: string(k), Digest: d, Updated: at})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("listing tags of %s: %w", name, err)
	}
	return out, nil
}
