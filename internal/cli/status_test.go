package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
)

func TestPrintAppStatusShowsTheOtherSets(t *testing.T) {
	t.Parallel()
	until := time.Date(2026, 5, 1, 14, 30, 0, 0, time.Local)
	st := deploy.AppStatus{
		Name: "shop", Live: 3,
		Rollout: &deploy.RolloutStatus{Revision: 4, Outcome: deploy.OutcomePaused,
			LastEvent: &deploy.Event{Message: "paused: the canary has 10% of traffic; run `berth rollout promote shop` to go on"}},
		Services: []deploy.ServiceStatus{
			{Name: "web", Ref: "shop/web:v3", Set: "blue", Revision: 3, Replicas: 3, Running: 3, Healthy: 3, Sets: []deploy.SetStatus{
				{Set: "green", Revision: 4, Running: 3, Healthy: 3, Traffic: 10, State: deploy.SetWaiting},
				{Set: "green", Revision: 2, Running: 3, Healthy: 2, State: deploy.SetWarm, Until: until},
			}},
			{Name: "db", Ref: "postgres:16", Set: "blue", Revision: 1, Replicas: 1, Running: 1, Healthy: 1},
		},
	}
	var b strings.Builder
	if err := printAppStatus(&b, st, ""); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"rollout: revision 4 paused: the canary has 10% of traffic",
		"SERVICE  SET    REVISION  RUNNING  HEALTHY  TRAFFIC  STATE",
		"web      green  4         3        3        10%      waiting for promote",
		"web      green  2         3        2        0%       kept warm until 14:30",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "paused: paused") {
		t.Errorf("the pause is said twice:\n%s", out)
	}
	b.Reset()
	st.Services[0].Sets, st.Rollout = nil, nil
	if err := printAppStatus(&b, st, ""); err != nil || strings.Contains(b.String(), "besides") {
		t.Errorf("without other sets: %v\n%s", err, b.String())
	}
}
