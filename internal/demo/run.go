package demo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// commands runs berth's own CLI against the demo's server, printing each
// command line before its output, indented, as a transcript.
type commands struct {
	bin    string
	server string
	out    io.Writer
}

// run runs berth with args and returns what it printed on stdout; all of
// its output is shown.
func (c *commands) run(ctx context.Context, args ...string) (string, error) {
	fmt.Fprintf(c.out, "  $ berth %s\n", strings.Join(quoted(args), " "))
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Env = append(os.Environ(), "BERTH_SERVER=http://"+c.server)
	var stdout bytes.Buffer
	shown := newIndenter(c.out, "    ")
	cmd.Stdout = io.MultiWriter(&stdout, shown)
	cmd.Stderr = shown
	err := cmd.Run()
	shown.flush()
	if err != nil {
		return stdout.String(), fmt.Errorf("berth %s: %w", args[0], err)
	}
	return stdout.String(), nil
}

// say prints a command the demo carries out itself, such as a git step.
func (c *commands) say(line string) { fmt.Fprintf(c.out, "  $ %s\n", line) }

func quoted(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '\"$") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return out
}

// indenter prefixes every line written through it; a line redrawn with
// \r (a progress bar) is shown once it ends.
type indenter struct {
	mu     sync.Mutex
	out    io.Writer
	prefix string
	buf    []byte
}

func newIndenter(out io.Writer, prefix string) *indenter { return &indenter{out: out, prefix: prefix} }

func (w *indenter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		line := w.buf[:i]
		if j := bytes.LastIndexByte(line, '\r'); j >= 0 {
			line = line[j+1:]
		}
		fmt.Fprintf(w.out, "%s%s\n", w.prefix, line)
		w.buf = w.buf[i+1:]
	}
}

func (w *indenter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.buf) > 0 {
		fmt.Fprintf(w.out, "%s%s\n", w.prefix, w.buf)
		w.buf = nil
	}
}

// lines reads lines from r into a channel, for "press Enter".
func lines(r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
		close(ch)
	}()
	return ch
}
