package publish

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// terminalEvery is the shortest time between two redraws.
const terminalEvery = 100 * time.Millisecond

// barWidth is the width of the progress bar, brackets excluded.
const barWidth = 20

// TerminalReporter draws a push's progress on a terminal: a status line
// redrawn in place (at most ten times a second) with a bar, the bytes
// sent of those to send, the speed and the layers done, and above it a
// line for each layer once it is pushed or found to exist (and so
// skipped).
type TerminalReporter struct {
	w      io.Writer
	states map[string]LayerState
	drawn  bool          // a status line is on screen
	lastAt time.Duration // Elapsed at the last redraw
}

// NewTerminalReporter returns a TerminalReporter drawing on w.
func NewTerminalReporter(w io.Writer) *TerminalReporter {
	return &TerminalReporter{w: w, states: make(map[string]LayerState)}
}

// NewReporter returns a TerminalReporter when f is a terminal and a
// PlainReporter otherwise.
func NewReporter(f *os.File) Reporter {
	if term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
		return NewTerminalReporter(f)
	}
	return NewPlainReporter(f)
}

// Report implements Reporter.
func (r *TerminalReporter) Report(p Progress) {
	var done []string
	for _, l := range p.Layers {
		d := l.Digest.String()
		if l.State != r.states[d] && (l.State == LayerPushed || l.State == LayerSkipped) {
			r.states[d] = l.State
			done = append(done, fmt.Sprintf("%s %s (%s)", shortDigest(l.Digest), l.State, formatBytes(l.Size)))
		}
	}
	if len(done) == 0 && !p.Done && r.drawn && p.Elapsed-r.lastAt < terminalEvery {
		return
	}
	r.lastAt = p.Elapsed
	var b strings.Builder
	if r.drawn {
		b.WriteString("\r\x1b[K") // back to the start of the status line, cleared
	}
	for _, line := range done {
		b.WriteString(line + "\n")
	}
	if p.Done {
		b.WriteString(summary(p) + "\n")
		r.drawn = false
	} else {
		b.WriteString(statusLine(p))
		r.drawn = true
	}
	_, _ = io.WriteString(r.w, b.String())
}

// statusLine is the line redrawn while a push runs.
func statusLine(p Progress) string {
	sent, total := p.Sent(), p.Total()
	filled := barWidth * percent(sent, total) / 100
	bar := strings.Repeat("=", filled)
	if filled < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-filled-1)
	}
	finished := p.Count(LayerPushed) + p.Count(LayerSkipped)
	return fmt.Sprintf("[%s] %3d%% %s / %s %s  layers %d/%d", bar, percent(sent, total),
		formatBytes(sent), formatBytes(total), formatRate(p.rate()), finished, len(p.Layers))
}
