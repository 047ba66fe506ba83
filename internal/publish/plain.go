package publish

import (
	"fmt"
	"io"
	"time"
)

// plainEvery is the longest a plain report stays silent while bytes
// move.
const plainEvery = 2 * time.Second

// PlainReporter writes a push's progress as plain lines, for CI logs and
// other places without a terminal: one line per layer when it is pushed
// or found to exist (and so skipped), a progress line at every further
// tenth of the bytes or every two seconds while bytes move, and a
// summary at the end.
type PlainReporter struct {
	w        io.Writer
	states   map[string]LayerState // per digest, as last written
	lastAt   time.Duration         // Elapsed when a progress line was last written
	lastTens int                   // tenths of the total done then
	lastSent int64
}

// NewPlainReporter returns a PlainReporter writing to w.
func NewPlainReporter(w io.Writer) *PlainReporter {
	return &PlainReporter{w: w, states: make(map[string]LayerState)}
}

// Report implements Reporter.
func (r *PlainReporter) Report(p Progress) {
	for _, l := range p.Layers {
		d := l.Digest.String()
		if l.State == r.states[d] || (l.State != LayerPushed && l.State != LayerSkipped) {
			continue
		}
		r.states[d] = l.State
		fmt.Fprintf(r.w, "%s %s (%s)\n", shortDigest(l.Digest), l.State, formatBytes(l.Size))
	}
	if p.Done {
		fmt.Fprintln(r.w, summary(p))
		return
	}
	sent, total := p.Sent(), p.Total()
	if sent == r.lastSent || total == 0 {
		return
	}
	tens := percent(sent, total) / 10
	if tens <= r.lastTens && p.Elapsed-r.lastAt < plainEvery {
		return
	}
	r.lastAt, r.lastTens, r.lastSent = p.Elapsed, tens, sent
	fmt.Fprintf(r.w, "%s: %d%% (%s of %s, %s)\n", p.Ref, percent(sent, total),
		formatBytes(sent), formatBytes(total), formatRate(p.rate()))
}
