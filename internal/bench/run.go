package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// ErrRowsFailed is returned by Run, with a full Result, when at least one
// row failed on at least one target. Each failure has been written to the
// progress writer and is in its cell.
var ErrRowsFailed = errors.New("some measurements failed")

// ErrNoTargets is returned by Run when there is nothing to measure.
var ErrNoTargets = errors.New("no target to measure")

// Run measures the targets one after another, each in a fresh repository
// prefix, and returns the table. A target without a Client gets one from
// NewClient. Run writes one line to progress as each measurement starts
// and as each row is done. A row that fails on a target is recorded and
// the run goes on; a cancelled ctx stops it and returns what was measured
// so far with the context's error.
func Run(ctx context.Context, cfg Config, targets []Target, progress io.Writer) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, ErrNoTargets
	}
	if progress == nil {
		progress = io.Discard
	}
	r := &runner{cfg: cfg, progress: progress, res: newResult(targets)}
	defer r.cleanup()
	plan := r.plan()
	if err := r.prepare(ctx); err != nil {
		return nil, err
	}
	for i, t := range targets {
		if t.Client == nil {
			t.Client = NewClient(cfg.Connections())
		}
		s := &session{index: i, target: t, prefix: randomPrefix()}
		r.say(t, "measuring %s under %s/", t.URL.Redacted(), s.prefix)
		for _, m := range plan {
			if err := r.measure(ctx, s, m); err != nil {
				return r.res, err
			}
		}
	}
	if r.failed {
		return r.res, ErrRowsFailed
	}
	return r.res, nil
}

func newResult(targets []Target) *Result {
	res := &Result{Machine: currentMachine()}
	for _, t := range targets {
		res.Targets = append(res.Targets, TargetInfo{Name: t.Name, URL: t.URL.Redacted()})
	}
	return res
}

// runner holds what one Run shares between its targets.
type runner struct {
	cfg      Config
	progress io.Writer
	res      *Result
	// shaRow holds the single-core hash speed, measured once for all
	// targets; nil when not selected.
	shaRow *Row
	big    fileBlob
	small  []blob
	img    image
	failed bool
}

// session is one target's part of a run.
type session struct {
	index     int
	target    Target
	prefix    string
	bigPushed bool
}

// prepare measures sha256 and makes the data every target receives; none
// of it is timed against a registry.
func (r *runner) prepare(ctx context.Context) error {
	rnd := newRandom()
	if row := r.shaRow; row != nil {
		r.say(Target{}, "%s: running", row.Name)
		v, err := measureSHA256(ctx, rnd, 500*time.Millisecond)
		if err != nil {
			return fmt.Errorf("measuring sha256: %w", err)
		}
		for i := range row.Cells {
			row.Cells[i].Value = &v
		}
		r.say(Target{}, "%s: %s %s", row.Name, row.format(v), row.Unit)
	}
	if r.cfg.selected(KeyPush) || r.cfg.selected(KeyPull) {
		r.say(Target{}, "writing %s of random data to a temporary file", FormatSize(r.cfg.BlobSize))
		big, err := writeFileBlob("", rnd, r.cfg.BlobSize)
		if err != nil {
			return fmt.Errorf("preparing the large blob: %w", err)
		}
		r.big = big
	}
	if r.cfg.selected(KeySmall) {
		r.small = randomBlobs(rnd, r.cfg.SmallBlobs, r.cfg.SmallSize)
	}
	img, err := newImage(rnd)
	if err != nil {
		return fmt.Errorf("preparing the image: %w", err)
	}
	r.img = img
	return nil
}

func (r *runner) cleanup() {
	if r.big.path != "" {
		if err := os.Remove(r.big.path); err != nil {
			r.say(Target{}, "removing the large blob file: %v", err)
		}
	}
}

// addRow appends a row with an empty cell for every target.
func (r *runner) addRow(key, name, unit string, digits int) *Row {
	row := &Row{Key: key, Name: name, Unit: unit, Cells: make([]Cell, len(r.res.Targets)), digits: digits}
	r.res.Rows = append(r.res.Rows, row)
	return row
}

// say writes a progress line, prefixed with the target's name if any.
func (r *runner) say(t Target, format string, args ...any) {
	if t.Name != "" {
		format = "[" + t.Name + "] " + format
	}
	fmt.Fprintf(r.progress, format+"\n", args...)
}
