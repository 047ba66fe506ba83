package bench

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Keys of the measurements, as Config.Only names them.
const (
	KeySHA256   = "sha256"
	KeyPush     = "push"
	KeyPull     = "pull"
	KeySmall    = "small"
	KeyManifest = "manifest"
	KeyTags     = "tags"
)

// Keys returns the key of every measurement in the order they run.
func Keys() []string {
	return []string{KeySHA256, KeyPush, KeyPull, KeySmall, KeyManifest, KeyTags}
}

// Config says what Run measures and how hard it pushes.
type Config struct {
	// BlobSize is the size of the blob pushed and pulled in one stream.
	BlobSize int64
	// SmallBlobs blobs of SmallSize bytes each are pushed by
	// SmallConcurrency clients at once.
	SmallBlobs       int
	SmallSize        int64
	SmallConcurrency int
	// Clients fetch one manifest over and over for Duration.
	Clients  int
	Duration time.Duration
	// Tags is how many tags are put and then listed, Repeat times.
	Tags   int
	Repeat int
	// Only lists the keys of the measurements to run; empty runs them all.
	Only []string
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{
		BlobSize:         1 << 30,
		SmallBlobs:       10000,
		SmallSize:        4 << 10,
		SmallConcurrency: 16,
		Clients:          64,
		Duration:         10 * time.Second,
		Tags:             10000,
		Repeat:           5,
	}
}

// Validate reports every problem with c at once.
func (c Config) Validate() error {
	var errs []error
	positive := func(name string, v int64) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s is %d, want more than 0", name, v))
		}
	}
	positive("blob size", c.BlobSize)
	positive("small blob count", int64(c.SmallBlobs))
	positive("small blob size", c.SmallSize)
	positive("small blob concurrency", int64(c.SmallConcurrency))
	positive("manifest clients", int64(c.Clients))
	positive("tag count", int64(c.Tags))
	positive("tag list repeats", int64(c.Repeat))
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration is %s, want more than 0", c.Duration))
	}
	for _, key := range c.Only {
		if !slices.Contains(Keys(), key) {
			errs = append(errs, fmt.Errorf("unknown measurement %q, want one of %s", key, strings.Join(Keys(), ", ")))
		}
	}
	return errors.Join(errs...)
}

// selected reports whether the measurement key runs.
func (c Config) selected(key string) bool {
	return len(c.Only) == 0 || slices.Contains(c.Only, key)
}

// Connections is how many connections to one target the busiest
// measurement keeps open at once.
func (c Config) Connections() int {
	return max(c.Clients, c.SmallConcurrency)
}
