package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Result is the table a run produces: one row per figure, one cell per
// target.
type Result struct {
	Machine Machine      `json:"machine"`
	Targets []TargetInfo `json:"targets"`
	Rows    []*Row       `json:"rows"`
}

// TargetInfo names a target in a Result.
type TargetInfo struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Row is one figure measured on every target.
type Row struct {
	// Key is the measurement the row belongs to.
	Key  string `json:"key"`
	Name string `json:"name"`
	Unit string `json:"unit"`
	// Cells has one cell per target, in the order of Result.Targets.
	Cells []Cell `json:"cells"`
	// digits is how many decimals the table shows.
	digits int
}

// Cell is one target's figure in a row: a value, an error, or neither
// when the row did not run on the target.
type Cell struct {
	Value *float64 `json:"value,omitempty"`
	Error string   `json:"error,omitempty"`
}

// Label is the row's name with its unit, as the table prints it.
func (r *Row) Label() string {
	return fmt.Sprintf("%s (%s)", r.Name, r.Unit)
}

func (r *Row) format(v float64) string {
	return strconv.FormatFloat(v, 'f', r.digits, 64)
}

// WriteTable writes res as a plain table aligned with spaces, under a line
// that describes the machine.
func WriteTable(w io.Writer, res *Result) error {
	m := res.Machine
	head := fmt.Sprintf("machine: %d CPUs, %s/%s", m.CPUs, m.OS, m.Arch)
	if m.CPU != "" {
		head += ", " + m.CPU
	}
	if _, err := fmt.Fprintf(w, "%s, %s\n\n", head, m.Go); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 3, ' ', 0)
	cols := []string{"row"}
	for _, t := range res.Targets {
		cols = append(cols, t.Name)
	}
	fmt.Fprintln(tw, strings.Join(cols, "\t"))
	for _, r := range res.Rows {
		cols = append(cols[:0], r.Label())
		for _, c := range r.Cells {
			switch {
			case c.Error != "":
				cols = append(cols, "error")
			case c.Value != nil:
				cols = append(cols, r.format(*c.Value))
			default:
				cols = append(cols, "-")
			}
		}
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	return tw.Flush()
}

// WriteJSON writes res as indented JSON.
func WriteJSON(w io.Writer, res *Result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
