package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
)

func TestPrintEvent(t *testing.T) {
	t.Parallel()
	share := 100
	for _, tc := range []struct {
		name string
		ev   deploy.Event
		want string
	}{
		{"a rollout's traffic is on the new version", deploy.Event{Service: "web", Message: "switched", Traffic: &share}, "switched  [new version: 100%]"},
		{"a rollback's traffic goes back to the revision it restores", deploy.Event{Service: "web", Message: "switched", Traffic: &share, Back: 3}, "switched  [back on revision 3: 100%]"},
		{"an event without traffic has no share", deploy.Event{Message: "started"}, "-          started\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			tc.ev.Time = time.Now()
			printEvent(&b, tc.ev)
			if !strings.HasSuffix(b.String(), tc.want+"\n") && !strings.HasSuffix(b.String(), tc.want) {
				t.Fatalf("printEvent = %q, want it to end in %q", b.String(), tc.want)
			}
		})
	}
}

func TestCountSaysOneInTheSingular(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{0: "0 revisions", 1: "1 revision", 2: "2 revisions"} {
		if got := count(n, "revision"); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
