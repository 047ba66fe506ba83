package bench

import (
	"context"
	"fmt"
)

// measurement is what runs on each target to fill some rows.
type measurement struct {
	rows []*Row
	// run returns one value per row.
	run func(ctx context.Context, s *session) ([]float64, error)
}

// plan adds the rows of every selected measurement to the result, in
// table order, and returns the measurements that run on each target.
func (r *runner) plan() []measurement {
	c := r.cfg
	if c.selected(KeySHA256) {
		r.shaRow = r.addRow(KeySHA256, "sha256 single core, measured once", "MB/s", 0)
	}
	var plan []measurement
	if c.selected(KeyPush) {
		rows := []*Row{r.addRow(KeyPush, "push "+FormatSize(c.BlobSize), "MB/s", 0)}
		if r.shaRow != nil {
			rows = append(rows, r.addRow(KeyPush, "push % of sha256", "%", 1))
		}
		plan = append(plan, measurement{rows: rows, run: r.push})
	}
	if c.selected(KeyPull) {
		rows := []*Row{r.addRow(KeyPull, "pull "+FormatSize(c.BlobSize), "MB/s", 0)}
		plan = append(plan, measurement{rows: rows, run: r.pull})
	}
	if c.selected(KeySmall) {
		name := fmt.Sprintf("small blob pushes, %s, %d concurrent", FormatSize(c.SmallSize), c.SmallConcurrency)
		rows := []*Row{r.addRow(KeySmall, name, "pushes/s", 0)}
		plan = append(plan, measurement{rows: rows, run: r.pushSmall})
	}
	if c.selected(KeyManifest) {
		rows := []*Row{
			r.addRow(KeyManifest, fmt.Sprintf("manifest GET, %d clients", c.Clients), "req/s", 0),
			r.addRow(KeyManifest, "manifest GET p50", "ms", 2),
			r.addRow(KeyManifest, "manifest GET p99", "ms", 2),
		}
		plan = append(plan, measurement{rows: rows, run: r.getManifests})
	}
	if c.selected(KeyTags) {
		name := fmt.Sprintf("tags list, %d tags, median of %d", c.Tags, c.Repeat)
		rows := []*Row{r.addRow(KeyTags, name, "ms", 1)}
		plan = append(plan, measurement{rows: rows, run: r.listTags})
	}
	return plan
}

// measure runs m on the session's target and records its values, or its
// error in every one of its cells. It returns an error only when ctx has
// ended and the run must stop.
func (r *runner) measure(ctx context.Context, s *session, m measurement) error {
	r.say(s.target, "%s: running", m.rows[0].Name)
	values, err := m.run(ctx, s)
	if err != nil {
		for _, row := range m.rows {
			row.Cells[s.index].Error = err.Error()
		}
		r.say(s.target, "%s: error: %v", m.rows[0].Name, err)
		r.failed = true
		return ctx.Err()
	}
	for i, row := range m.rows {
		v := values[i]
		row.Cells[s.index].Value = &v
		r.say(s.target, "%s: %s %s", row.Name, row.format(v), row.Unit)
	}
	return nil
}
