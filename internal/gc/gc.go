package gc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
)

// ErrRunning reports a collection asked for while one is under way.
var ErrRunning = errors.New("garbage collection already running")

// Config is what a collection applies.
type Config struct {
	// Grace protects everything uploaded, linked or pushed more recently.
	Grace     time.Duration
	Retention []meta.RetentionRule
	// Guard keeps immutable tags from expiring.
	Guard meta.TagGuard
	// InUse keeps blobs a client has just looked at; nil keeps none.
	InUse func(digest.Digest) bool
	// AuditKeep is how many audit entries survive a collection.
	AuditKeep int
	// Events hears of each tag and manifest retention removes, as of a
	// delete through the registry; nil tells no one.
	Events Publisher
}

// Publisher receives the deletes a collection makes.
type Publisher interface {
	Publish(events.Event)
}

// Report says what a collection removed, or in a dry run would remove.
type Report struct {
	DryRun     bool           `json:"dryRun"`
	Started    time.Time      `json:"started"`
	Seconds    float64        `json:"seconds"`
	Expired    []meta.Expired `json:"expired"`
	Links      int            `json:"links"`
	Manifests  int            `json:"manifests"`
	Blobs      int            `json:"blobs"`
	Orphans    int            `json:"orphans"`
	FreedBytes int64          `json:"freedBytes"`
}

// Collector runs collections, one at a time.
type Collector struct {
	db    *meta.DB
	blobs *blob.Store
	log   *slog.Logger
	cfg   Config
	now   func() time.Time

	running sync.Mutex
	mu      sync.Mutex
	last    *Report
	runs    int
	freed   int64
}

// New returns a collector over the two stores.
func New(db *meta.DB, blobs *blob.Store, cfg Config, log *slog.Logger) *Collector {
	return &Collector{db: db, blobs: blobs, log: log, cfg: cfg, now: time.Now}
}

// Last returns the report of the last finished collection and how many
// have finished.
func (c *Collector) Last() (Report, int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last == nil {
		return Report{}, c.runs, false
	}
	return *c.last, c.runs, true
}

// Stats returns how many collections finished, how long the last took and
// how many bytes they freed in all.
func (c *Collector) Stats() (runs int, lastSeconds float64, freed int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil {
		lastSeconds = c.last.Seconds
	}
	return c.runs, lastSeconds, c.freed
}

// Run collects once. A dry run changes nothing and reports what would go.
func (c *Collector) Run(ctx context.Context, dryRun bool) (Report, error) {
	if !c.running.TryLock() {
		return Report{}, ErrRunning
	}
	defer c.running.Unlock()
	rep := Report{DryRun: dryRun, Started: c.now(), Expired: []meta.Expired{}}
	err := c.run(ctx, &rep)
	rep.Seconds = c.now().Sub(rep.Started).Seconds()
	if err != nil {
		return rep, fmt.Errorf("collecting garbage: %w", err)
	}
	if !dryRun {
		c.mu.Lock()
		c.last, c.runs, c.freed = &rep, c.runs+1, c.freed+rep.FreedBytes
		c.mu.Unlock()
	}
	c.log.Info("garbage collection finished", "dry_run", dryRun, "expired", len(rep.Expired),
		"links", rep.Links, "manifests", rep.Manifests, "blobs", rep.Blobs, "orphans", rep.Orphans,
		"freed_bytes", rep.FreedBytes, "seconds", rep.Seconds)
	return rep, nil
}

func (c *Collector) run(ctx context.Context, rep *Report) error {
	if err := c.expire(rep); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	cutoff := rep.Started.Add(-c.cfg.Grace)
	g, err := c.db.FindGarbage(cutoff, c.cfg.InUse)
	if err != nil {
		return err
	}
	if rep.DryRun {
		rep.Links, rep.Manifests, rep.Blobs = len(g.Links), len(g.Manifests), len(g.Blobs)
		for _, b := range g.Blobs {
			rep.FreedBytes += b.Size
		}
		return c.orphans(ctx, cutoff, rep)
	}
	if rep.Links, err = c.db.SweepLinks(g.Links, cutoff, c.cfg.InUse); err != nil {
		return err
	}
	if rep.Manifests, err = c.db.SweepManifests(g.Manifests, cutoff); err != nil {
		return err
	}
	records, err := c.db.SweepBlobRecords(g.Blobs, cutoff)
	if err != nil {
		return err
	}
	for _, b := range records {
		removed, err := c.blobs.Sweep(b.Digest, c.unrecorded(b.Digest))
		if err != nil {
			return err
		}
		if removed {
			rep.Blobs++
			rep.FreedBytes += b.Size
		}
	}
	if err := c.orphans(ctx, cutoff, rep); err != nil {
		return err
	}
	if c.cfg.AuditKeep > 0 {
		if _, err := c.db.PruneAudit(c.cfg.AuditKeep); err != nil {
			return err
		}
	}
	return nil
}

// expire applies the retention rules.
func (c *Collector) expire(rep *Report) error {
	if len(c.cfg.Retention) == 0 {
		return nil
	}
	found, err := c.db.FindExpired(c.cfg.Retention, rep.Started, c.cfg.Guard)
	if err != nil || rep.DryRun {
		rep.Expired = append(rep.Expired, found...)
		return err
	}
	done, err := c.db.Expire(found, c.cfg.Guard, meta.Origin{Actor: "retention", Time: rep.Started})
	rep.Expired = append(rep.Expired, done...)
	if c.cfg.Events != nil {
		for _, x := range done {
			c.cfg.Events.Publish(events.Event{ID: events.NewID(), Time: c.now(), Action: events.ActionDelete,
				Repository: x.Repo, Tag: x.Tag, Digest: x.Digest.String(), Actor: "retention"})
		}
	}
	return err
}

// unrecorded confirms a sweep of d: its record must still be absent.
func (c *Collector) unrecorded(d digest.Digest) func() (bool, error) {
	return func() (bool, error) {
		ok, err := c.db.BlobRecorded(d)
		return !ok, err
	}
}

// orphans removes blob files without a record that are older than cutoff:
// left by a crash between placing a file and recording it.
func (c *Collector) orphans(ctx context.Context, cutoff time.Time, rep *Report) error {
	return c.blobs.Walk(func(d digest.Digest, mod time.Time) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !mod.Before(cutoff) {
			return nil
		}
		if rep.DryRun {
			ok, err := c.db.BlobRecorded(d)
			if err == nil && !ok {
				rep.Orphans++
			}
			return err
		}
		removed, err := c.blobs.Sweep(d, c.unrecorded(d))
		if removed {
			rep.Orphans++
		}
		return err
	})
}

// Loop collects every interval until ctx ends. The first collection waits
// at least the grace period, so that what clients looked at just before a
// restart is known again.
func (c *Collector) Loop(ctx context.Context, interval time.Duration) {
	wait := max(interval, c.cfg.Grace)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		if _, err := c.Run(ctx, false); err != nil && !errors.Is(err, ErrRunning) && ctx.Err() == nil {
			c.log.Warn("scheduled garbage collection failed", "err", err)
		}
		wait = interval
	}
}
