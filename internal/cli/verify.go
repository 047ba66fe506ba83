package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/deploy"
)

// verifyFlags are the flags of berth logs that show the output of
// verification jobs instead of the containers'.
type verifyFlags struct {
	verify   bool
	revision int
}

// add adds --verify and --revision to the logs command.
func (f *verifyFlags) add(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.verify, "verify", false,
		"show the stored output of the verification jobs (x-berth.verify) of a revision instead of the containers' output")
	cmd.Flags().IntVar(&f.revision, "revision", 0, "with --verify: the revision (default: the newest that ran a verification job)")
}

// check refuses flags that do not go with what is asked: --verify shows
// what a finished job wrote, which cannot be followed.
func (f *verifyFlags) check(cmd *cobra.Command) error {
	switch {
	case f.verify && cmd.Flags().Changed("follow"):
		return fmt.Errorf("--verify shows the stored output of finished verification jobs, which cannot be followed; leave out --follow")
	case !f.verify && cmd.Flags().Changed("revision"):
		return fmt.Errorf("--revision picks the revision whose verification jobs --verify shows; add --verify")
	case f.revision < 0:
		return fmt.Errorf("--revision %d: want a revision number", f.revision)
	}
	return nil
}

// showVerifyLogs prints the output of the verification jobs of app's
// revision (of service's job only, if service is set), each headed by
// its service and result; tail keeps the last lines of each.
func showVerifyLogs(cmd *cobra.Command, c *apiClient, app, service string, revision, tail int) error {
	q := url.Values{}
	if revision > 0 {
		q.Set("revision", strconv.Itoa(revision))
	}
	var v api.Verifications
	if err := c.do(cmd.Context(), http.MethodGet, "/api/apps/"+url.PathEscape(app)+"/verifications", q, &v); err != nil {
		return err
	}
	w := cmd.OutOrStdout()
	shown := 0
	for _, run := range v.Runs {
		if service != "" && run.Service != service {
			continue
		}
		if shown > 0 {
			fmt.Fprintln(w)
		}
		shown++
		fmt.Fprintf(w, "=== revision %d, %s, verification %s: %s\n", v.Revision, run.Service, run.At, verifySummary(run))
		out := lastOutputLines(run.Output, tail)
		io.WriteString(w, out)
		if out != "" && !strings.HasSuffix(out, "\n") {
			fmt.Fprintln(w)
		}
	}
	if shown == 0 {
		return fmt.Errorf("revision %d of %s ran no verification job%s", v.Revision, app, forService(service))
	}
	return nil
}

func forService(s string) string {
	if s == "" {
		return ""
	}
	return " for service " + s
}

// lastOutputLines returns the last n lines of out, all of it for n 0.
func lastOutputLines(out string, n int) string {
	if n <= 0 {
		return out
	}
	lines := strings.SplitAfter(out, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "")
}

// printVerifyRuns writes, under a revision's line in berth history's
// table, one line per verification job it ran. Each has a cell in every
// column, so that the table's columns stay aligned across it, and its
// text in the last cell after subLineMark, for a subLineWriter to place.
func printVerifyRuns(w io.Writer, r api.Revision) {
	for _, v := range r.Verify {
		fmt.Fprintf(w, "\t\t\t\t\t\t\t%sverify %s %s: %s\n", subLineMark, v.Service, v.At, verifySummary(v))
	}
}

// subLineMark starts the text of a line printVerifyRuns wrote.
const subLineMark = "\x1d"

// subLineWriter passes a table from a tabwriter through to w, and
// writes each line printVerifyRuns made as its text alone, starting
// under the table's second column.
type subLineWriter struct {
	w      io.Writer
	indent int // where the header's second column starts; -1 until seen
	buf    []byte
}

func newSubLineWriter(w io.Writer) *subLineWriter { return &subLineWriter{w: w, indent: -1} }

func (s *subLineWriter) Write(p []byte) (int, error) {
	s.buf = append(s.buf, p...)
	for {
		i := strings.IndexByte(string(s.buf), '\n')
		if i < 0 {
			return len(p), nil
		}
		line := string(s.buf[:i])
		s.buf = s.buf[i+1:]
		if s.indent < 0 {
			s.indent = 0
			if first := strings.IndexByte(line, ' '); first >= 0 {
				s.indent = len(line) - len(strings.TrimLeft(line[first:], " "))
			}
		}
		if _, text, ok := strings.Cut(line, subLineMark); ok {
			line = strings.Repeat(" ", s.indent) + text
		}
		if _, err := io.WriteString(s.w, line+"\n"); err != nil {
			return len(p), err
		}
	}
}

// verifySummary says how a run ended: "passed (exit 0, 1.2s)", "failed
// (exit code 1, 3s)", "failed (it did not finish within its timeout of
// 5m0s, 5m0s)".
func verifySummary(v deploy.VerifyRun) string {
	result, why := "failed", fmt.Sprintf("exit code %d", v.ExitCode)
	switch {
	case v.Passed:
		result, why = "passed", "exit 0"
	case v.Error != "":
		why = v.Error
	}
	if !v.Finished.IsZero() {
		why += ", " + v.Finished.Sub(v.Started).Round(100*time.Millisecond).String()
	}
	return result + " (" + why + ")"
}
