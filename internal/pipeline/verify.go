package pipeline

import (
	"fmt"
	"strings"

	"github.com/berth-dev/berth/internal/deploy"
)

// verification says how the jobs that verified what live runs went:
// those of live itself and of the revisions that placed the services it
// kept. "passed", "failed" or "none".
func verification(live deploy.Revision, history []deploy.Revision) string {
	state := "none"
	for _, r := range placers(live, history) {
		switch r.Verified() {
		case "failed":
			return "failed"
		case "passed":
			state = "passed"
		}
	}
	return state
}

// unverified says which verification runs of what live runs failed, ""
// when none did.
func unverified(live deploy.Revision, history []deploy.Revision) string {
	var failed []string
	for _, r := range placers(live, history) {
		for _, v := range r.Verify {
			if v.Passed {
				continue
			}
			why := fmt.Sprintf("exit code %d", v.ExitCode)
			if v.Error != "" {
				why = v.Error
			}
			failed = append(failed, fmt.Sprintf("the job of %s failed %s in revision %d (%s)", v.Service, v.At, r.Number, why))
		}
	}
	return strings.Join(failed, "; ")
}

// placers are live and the revisions whose placements it kept.
func placers(live deploy.Revision, history []deploy.Revision) []deploy.Revision {
	out := []deploy.Revision{live}
	seen := map[int]bool{live.Number: true}
	for _, pl := range live.Services {
		if seen[pl.Revision] {
			continue
		}
		seen[pl.Revision] = true
		for _, r := range history {
			if r.Number == pl.Revision {
				out = append(out, r)
			}
		}
	}
	return out
}
