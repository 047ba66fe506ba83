package meta

import (
	"encoding/binary"
	"time"

	"github.com/opencontainers/go-digest"
)

// A tag's value is the time it was last set (8 bytes, big-endian Unix
// nanoseconds) followed by the manifest digest, so that "the newest N
// tags" needs no other lookup.

func encodeTag(d digest.Digest, at time.Time) []byte {
	v := make([]byte, 8+len(d))
	binary.BigEndian.PutUint64(v, uint64(at.UnixNano()))
	copy(v[8:], d)
	return v
}

// decodeTag splits a tag value; a malformed value yields "".
func decodeTag(v []byte) (digest.Digest, time.Time) {
	if len(v) <= 8 {
		return "", time.Time{}
	}
	return digest.Digest(v[8:]), time.Unix(0, int64(binary.BigEndian.Uint64(v)))
}

// TagInfo is a tag with its target and when it was set.
type TagInfo struct {
	Tag     string
	Digest  digest.Digest
	Updated time.Time
}
