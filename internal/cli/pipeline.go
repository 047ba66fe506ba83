package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/pipeline"
)

// pipelineEvery is how often berth pipeline --watch asks again.
const pipelineEvery = 2 * time.Second

func newPipelineCmd() *cobra.Command {
	var watch, asJSON bool
	cmd := &cobra.Command{
		Use:   "pipeline [APP]",
		Short: "Show every app (or APP) in each environment, and what its promotion does next",
		Long: `Show where each app stands in each environment of berth.yaml, in order: the
live revision, its images (tag and digest, a line per service), since when
it is live, whether it is healthy and passed its verification, and what
happens next: a promotion that can be made, one that happens by itself
and when, or one that waits for approval with the command that gives it.

--watch asks again every 2 seconds until Ctrl-C: on a terminal the screen
is redrawn, otherwise a new table is printed each time something changed.`,
		Example: `  berth pipeline
  berth pipeline shop --watch
  berth pipeline --json`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := newAPIClient(cmd)
			if err != nil {
				return err
			}
			q := url.Values{}
			if len(args) == 1 {
				q.Set("app", args[0])
			}
			get := func(ctx context.Context) ([]pipeline.AppView, error) {
				var views []pipeline.AppView
				err := c.do(ctx, http.MethodGet, "/api/pipeline", q, &views)
				return views, err
			}
			render := func(w io.Writer, views []pipeline.AppView) error {
				if asJSON {
					return printJSON(w, views)
				}
				return printPipeline(w, views, time.Now())
			}
			if watch {
				return watchPipeline(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), isTerminal(cmd.OutOrStdout()), pipelineEvery, get, render)
			}
			views, err := get(cmd.Context())
			if err != nil {
				return err
			}
			return render(cmd.OutOrStdout(), views)
		},
	}
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "show it again every 2s until Ctrl-C")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	addServerFlags(cmd)
	return cmd
}

// printPipeline writes a table of views: a line per app and
// environment, and a line more per further service of a revision.
func printPipeline(w io.Writer, views []pipeline.AppView, now time.Time) error {
	if len(views) == 0 {
		_, err := fmt.Fprintln(w, "no apps")
		return err
	}
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "APP\tENV\tREVISION\tIMAGE\tSINCE\tHEALTH\tVERIFIED\tNEXT")
	for _, v := range views {
		app := v.App
		for _, e := range v.Envs {
			images := []string{"-"}
			if len(e.Images) > 0 {
				images = images[:0]
				for _, im := range e.Images {
					images = append(images, imageText(im))
				}
			}
			rev, since, verified := "-", "-", "-"
			if e.Revision > 0 {
				rev, since, verified = strconv.Itoa(e.Revision), age(now, e.Since), e.Verified
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", app, e.Env, rev, images[0], since, healthText(e), verified, dash(nextText(v.App, e)))
			for _, im := range images[1:] {
				fmt.Fprintf(tw, "\t\t\t%s\t\t\t\t\n", im)
			}
			app = "" // once per app
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// A further service's line pads the columns after its image.
	for line := range strings.Lines(table.String()) {
		if _, err := io.WriteString(w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// imageText is a service's image as the pipeline shows it: the service,
// the tag and the short digest.
func imageText(im pipeline.ImageView) string {
	tag := ""
	ref, _, _ := strings.Cut(im.Ref, "@")
	if colon := strings.LastIndexByte(ref, ':'); colon > strings.LastIndexByte(ref, '/') {
		tag = ref[colon+1:] + "@"
	}
	return im.Service + " " + tag + shortID(im.Digest)
}

// healthText says whether an environment's live revision is healthy,
// and what is not when it is not.
func healthText(e pipeline.EnvView) string {
	switch {
	case e.Revision == 0 && e.Rollout != nil:
		return fmt.Sprintf("revision %d is rolling out", e.Rollout.Revision)
	case e.Revision == 0:
		return "-"
	case e.Healthy:
		return "healthy"
	}
	return dash(e.Health)
}

// nextText is what happens next in an environment.
func nextText(app string, e pipeline.EnvView) string {
	if e.Next != "" || e.Waiting == nil {
		return e.Next
	}
	return fmt.Sprintf("revision %d of %s waits for approval: berth approve %s --env %s", e.Waiting.Revision, e.Waiting.From, app, e.Env)
}

// age is how long ago t was, in its largest unit: 45s, 12m, 3h, 2d.
func age(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", max(0, int(d.Seconds())))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

// watchPipeline shows the views every interval until ctx ends: on a
// terminal it redraws the screen, elsewhere it prints the views again
// only when they changed. An error asking for them is shown and the
// watch goes on, but the first one ends it.
func watchPipeline(ctx context.Context, out, errOut io.Writer, terminal bool, every time.Duration,
	get func(context.Context) ([]pipeline.AppView, error), render func(io.Writer, []pipeline.AppView) error) error {
	var last []byte
	first := true
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		views, err := get(ctx)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && first:
			return err
		case err != nil:
			fmt.Fprintf(errOut, "%s  %v\n", time.Now().Format(time.TimeOnly), err)
		default:
			state, _ := json.Marshal(views)
			if terminal || !bytes.Equal(state, last) {
				var frame bytes.Buffer
				if terminal {
					frame.WriteString("\x1b[H\x1b[2J") // home, clear
				} else if !first {
					frame.WriteString("\n")
				}
				fmt.Fprintf(&frame, "%s\n", time.Now().Format(time.TimeOnly))
				if err := render(&frame, views); err != nil {
					return err
				}
				if _, err := out.Write(frame.Bytes()); err != nil {
					return err
				}
				last = state
			}
			first = false
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
