package publish_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/berth-dev/berth/internal/publish"
)

func hash(i int) v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: strings.Repeat(fmt.Sprint(i), 64)}
}

// push simulates the reports of a push of three layers: a 10 MB one
// the registry has (found after 300 ms) and two of 45 MB sent at 9 MB/s,
// one report every step for the whole of it, then the final one.
func push(step time.Duration) []publish.Progress {
	layers := []publish.LayerProgress{
		{Digest: hash(1), Size: 10_000_000},
		{Digest: hash(2), Size: 45_000_000},
		{Digest: hash(3), Size: 45_000_000},
	}
	const rate = 9_000_000 // bytes per second
	var out []publish.Progress
	for at := step; ; at += step {
		if at >= 300*time.Millisecond {
			layers[0].State = publish.LayerSkipped
		}
		sent := int64(at.Seconds() * rate)
		finished := true
		for i := 1; i < 3; i++ {
			l := &layers[i]
			if l.State == publish.LayerPushed {
				sent -= l.Size
				continue
			}
			l.State, l.Sent = publish.LayerUploading, min(sent, l.Size)
			if l.Sent == l.Size {
				l.State = publish.LayerPushed
			} else {
				finished = false
			}
			sent -= l.Sent
		}
		p := publish.Progress{Ref: "127.0.0.1:5000/team/app:v1", Layers: append([]publish.LayerProgress(nil), layers...), Elapsed: at}
		out = append(out, p)
		if finished {
			p.Done = true
			return append(out, p)
		}
	}
}

func TestPlainReporter(t *testing.T) {
	for _, step := range []time.Duration{time.Millisecond, 100 * time.Millisecond} {
		t.Run(fmt.Sprintf("reports every %s stay a handful of lines", step), func(t *testing.T) {
			var out bytes.Buffer
			r := publish.NewPlainReporter(&out)
			reports := push(step)
			for _, p := range reports {
				r.Report(p)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			// ten tenths, a line per 2 s of the 10 s, three layer lines
			// and the summary at most.
			if len(lines) > 10+5+3+1 {
				t.Fatalf("%d reports made %d lines:\n%s", len(reports), len(lines), out.String())
			}
			if n := strings.Count(out.String(), "sha256:111111111111 exists, skipped (10.0 MB)"); n != 1 {
				t.Errorf("the skipped layer is reported %d times:\n%s", n, out.String())
			}
			for _, d := range []string{"222222222222", "333333333333"} {
				if n := strings.Count(out.String(), "sha256:"+d+" pushed (45.0 MB)"); n != 1 {
					t.Errorf("layer %s is reported pushed %d times:\n%s", d, n, out.String())
				}
			}
			if !strings.Contains(out.String(), "% (") || !strings.Contains(out.String(), "MB/s") {
				t.Errorf("no progress lines:\n%s", out.String())
			}
			if last := lines[len(lines)-1]; last != "127.0.0.1:5000/team/app:v1: 2 layers pushed, 1 skipped, 90.0 MB in 10s" {
				t.Errorf("summary %q", last)
			}
		})
	}
	t.Run("a stalled push prints nothing more", func(t *testing.T) {
		var out bytes.Buffer
		r := publish.NewPlainReporter(&out)
		p := publish.Progress{Ref: "r:v1", Layers: []publish.LayerProgress{{Digest: hash(1), Size: 100, Sent: 50, State: publish.LayerUploading}}}
		for i := range 600 {
			p.Elapsed = time.Duration(i) * 100 * time.Millisecond
			r.Report(p)
		}
		t.Log(out.String())
		if n := strings.Count(out.String(), "\n"); n != 1 {
			t.Fatalf("%d lines for a push that did not move:\n%s", n, out.String())
		}
	})
}

func TestReportersSayAPushFailed(t *testing.T) {
	p := publish.Progress{Ref: "r:v1", Elapsed: 1500 * time.Millisecond, Done: true, Failed: true,
		Layers: []publish.LayerProgress{{Digest: hash(1), Size: 100, Sent: 40, State: publish.LayerUploading}}}
	for name, r := range map[string]func(*bytes.Buffer) publish.Reporter{
		"plain":    func(b *bytes.Buffer) publish.Reporter { return publish.NewPlainReporter(b) },
		"terminal": func(b *bytes.Buffer) publish.Reporter { return publish.NewTerminalReporter(b) },
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			r(&out).Report(p)
			if want := "r:v1: push failed after 1.5s (0 layers pushed, 0 skipped, 40 B sent)\n"; out.String() != want {
				t.Fatalf("output %q, want %q", out.String(), want)
			}
		})
	}
}

func TestTerminalReporter(t *testing.T) {
	var out bytes.Buffer
	r := publish.NewTerminalReporter(&out)
	reports := push(10 * time.Millisecond)
	for _, p := range reports {
		r.Report(p)
	}
	s := out.String()
	elapsed := reports[len(reports)-1].Elapsed
	if redraws, most := strings.Count(s, "\r"), int(elapsed/(100*time.Millisecond))+5; redraws > most {
		t.Fatalf("%d redraws in %s of %d reports; want at most %d", redraws, elapsed, len(reports), most)
	}
	for _, want := range []string{
		"sha256:111111111111 exists, skipped (10.0 MB)\n",
		"sha256:222222222222 pushed (45.0 MB)\n",
		"sha256:333333333333 pushed (45.0 MB)\n",
		"MB/s",
		"layers 1/3",
		"[====================] 100%",
		"127.0.0.1:5000/team/app:v1: 2 layers pushed, 1 skipped, 90.0 MB in 10s\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if !strings.HasSuffix(s, "in 10s\n") {
		t.Errorf("the output does not end with the summary: %q", s[max(0, len(s)-200):])
	}
	// Each redraw clears the line it overwrites.
	if strings.Count(s, "\r") != strings.Count(s, "\r\x1b[K") {
		t.Errorf("a redraw does not clear the line")
	}
}
