package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/api"
	"github.com/berth-dev/berth/internal/testapp"
	"github.com/berth-dev/berth/internal/testapp/gitserver"
)

// BenchmarkGitSync times how long a change takes to reach all the
// traffic of a 3-replica app that berth's git sync manages, whose health
// check passes at once:
//
//   - docker push: from the end of `docker push` of a tag the service's
//     semver policy accepts (berth commits it to git, pushes, then rolls
//     out) until every request through the proxy answers the new version;
//   - git push: from the end of a `git push` of an image tag edited by
//     hand, in a service without an update policy, followed by the push
//     webhook a git host would send, until the same.
//
// BENCH_RUNS sets the rounds of each (5).
func BenchmarkGitSync(b *testing.B) {
	runs := benchEnvInt(b, "BENCH_RUNS", 5)
	bare := gitserver.Bare(b, nil)
	secret := "bench-webhook-secret-" + randomSuffix(b) // over MinWebhookSecret
	secretFile := filepath.Join(b.TempDir(), "webhook-secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	e := newGitEnv(b, bare, bare.Clone(b), gitSourceConfig(b, bare.URL, "    webhook: {secret_file: "+secretFile+"}\n"))
	builder := testapp.NewBuilder(b.TempDir())

	// auto follows ^1.0 and moves along 1.x.0; hand has no policy and
	// moves along 2.0.x, which auto's range leaves alone. Every image is
	// built and pulled beforehand, so that its layers are on the host as
	// after a push from this host: no layer download is timed. auto's
	// next versions wait in a repository of their own; a round tags one
	// into the test's repository and pushes it with `docker push`.
	// (Builder.Build removes the tag it pushed from the host as soon as
	// the push ends, which would race with berth's rollout of it.)
	repo := strings.TrimPrefix(e.repo, e.b.addr+"/")
	prepare := func(repo, version string) string {
		pinned := builder.Build(b, e.b.addr, repo, version)
		run(b, "docker", "pull", "-q", pinned)
		return pinned
	}
	hand := []string{"2.0.0"}
	for i := range runs {
		hand = append(hand, "2.0."+strconv.Itoa(i+1))
		// The rounds one replica at a time, then those all at once.
		e.stage(builder, "1."+strconv.Itoa(i+1)+".0", "1."+strconv.Itoa(runs+i+1)+".0")
	}
	for _, v := range append([]string{"1.0.0"}, hand...) {
		prepare(repo, v)
	}
	policy := "      update: {policy: semver, range: \"^1.0\"}\n"
	e.commit("two apps", map[string]string{
		"auto/compose.yaml": benchGitCompose(e, "auto", "1.0.0", policy, 1),
		"hand/compose.yaml": benchGitCompose(e, "hand", hand[0], "", 1),
	})
	e.sync(true)
	e.serves("auto", "1.0.0")
	e.serves("hand", hand[0])

	var rows []benchGitRow
	var dockerPush, gitPush, batchPush []benchGitTiming
	pushRound := func(kind string, i int) benchGitTiming {
		old, next := "1."+strconv.Itoa(i)+".0", "1."+strconv.Itoa(i+1)+".0"
		tm := benchGitRound(e, "auto", old, next, func() (time.Time, func() time.Time) {
			committed := benchGitWatchRef(bare)
			e.publish(next)
			return time.Now(), committed
		})
		rows = append(rows, benchGitRow{kind, strconv.Itoa(i%runs + 1), tm})
		if i%runs == 0 {
			b.Logf("%s round 1 (%s -> %s): berth's log, ms since the end of `docker push`:\n%s", kind, old, next, tm.berthLog)
		}
		return tm
	}
	for i := range runs {
		dockerPush = append(dockerPush, pushRound("docker push", i))
	}
	rows = append(rows, benchGitRow{"docker push", "median", benchGitMedian(dockerPush)})
	for i := range runs {
		old, next := hand[i], hand[i+1]
		tm := benchGitRound(e, "hand", old, next, func() (time.Time, func() time.Time) {
			e.commit("hand to "+next, map[string]string{"hand/compose.yaml": benchGitCompose(e, "hand", next, "", 1)})
			t0 := time.Now()
			benchGitWebhook(e, secret)
			answered := time.Now()
			return t0, func() time.Time { return answered }
		})
		gitPush = append(gitPush, tm)
		rows = append(rows, benchGitRow{"git push", strconv.Itoa(i + 1), tm})
		if i == 0 {
			b.Logf("git push round 1 (%s -> %s): berth's log, ms since the end of `git push`:\n%s", old, next, tm.berthLog)
		}
	}
	rows = append(rows, benchGitRow{"git push", "median", benchGitMedian(gitPush)})
	// The same push, with the three replicas started at once: the floor
	// a rollout of one batch sets.
	file, _ := bare.Show(b, "auto/compose.yaml")
	e.commit("auto: all replicas at once", map[string]string{"auto/compose.yaml": strings.Replace(file, "parallelism: 1,", "parallelism: 3,", 1)})
	e.sync(true)
	for i := range runs {
		batchPush = append(batchPush, pushRound("docker push, 3 at once", runs+i))
	}
	rows = append(rows, benchGitRow{"docker push, 3 at once", "median", benchGitMedian(batchPush)})

	benchGitPrint(rows)
	dm, gm, bm := benchGitMedian(dockerPush), benchGitMedian(gitPush), benchGitMedian(batchPush)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(float64(bm.allNew.Milliseconds()), "docker-push-batch-all-ms")
	b.ReportMetric(float64(dm.allNew.Milliseconds()), "docker-push-all-ms")
	b.ReportMetric(float64(gm.allNew.Milliseconds()), "git-push-all-ms")
	b.ReportMetric(float64(dm.step.Milliseconds()), "docker-push-commit-ms")
	b.ReportMetric(float64(gm.step.Milliseconds()), "git-push-webhook-ms")
	benchLogProblems(b, e.b)
}

// benchGitUpdate is the rollout the benchmark's apps use: one replica
// at a time, the new one first, no monitor wait, so that what is timed
// is berth and not the monitor.
const benchGitUpdate = "{parallelism: 1, delay: 0s, order: start-first, monitor: 0s}"

// benchGitCompose is e.compose for 3 replicas, with benchGitUpdate
// starting parallelism replicas at a time.
func benchGitCompose(e *gitEnv, short, tag, more string, parallelism int) string {
	e.t.Helper()
	const from = "update_config: {parallelism: 1, monitor: 500ms}"
	c := e.compose(short, tag, 3, more)
	if !strings.Contains(c, from) {
		e.t.Fatalf("compose() no longer says %q:\n%s", from, c)
	}
	update := strings.Replace(benchGitUpdate, "parallelism: 1,", "parallelism: "+strconv.Itoa(parallelism)+",", 1)
	return strings.Replace(c, from, "update_config: "+update, 1)
}

// benchGitTiming is one timed change; durations count from t0, the end
// of `docker push` or `git push`.
type benchGitTiming struct {
	step     time.Duration // berth's commit in git (docker push), the webhook answered (git push); -1 unknown
	started  time.Duration // berth started the revision, as its history says
	firstNew time.Duration // the first answer from the new version
	allNew   time.Duration // from then on, every answer is from the new version
	requests int
	failed   int
	firstErr string
	berthLog string
}

type benchGitRow struct {
	kind, run string
	t         benchGitTiming
}

// benchGitRound times the change of app short from version old to next:
// change makes it and returns t0 and a function that waits for the
// middle step and says when it happened (zero: unknown). It returns once
// the rollout is over.
func benchGitRound(e *gitEnv, short, old, next string, change func() (time.Time, func() time.Time)) benchGitTiming {
	e.t.Helper()
	revs := len(e.history(short))
	p := benchStartPoller(e.b.proxy, e.host(short), old, next)
	time.Sleep(300 * time.Millisecond)
	t0, step := change()
	s := time.Duration(-1)
	if at := step(); !at.IsZero() {
		s = at.Sub(t0)
	}
	e.serves(short, next)
	var started time.Time
	e.eventually("the revision of "+next+" finishes with 3 replicas", func() bool {
		h := e.history(short)
		if len(h) <= revs || h[0].Finished.IsZero() || e.replicas(short) != 3 {
			return false
		}
		started = h[0].Started
		return true
	})
	time.Sleep(time.Second) // long enough to see an old version answer again
	seen := p.finish()
	if seen.firstNew.IsZero() {
		e.t.Fatalf("the poller saw no answer from %s:\nberth log:\n%s", next, e.b.output())
	}
	// All traffic is new from the last old answer on, or from the first
	// new one when nothing answered between the two.
	all := seen.lastOld
	if seen.firstNew.After(all) {
		all = seen.firstNew
	}
	return benchGitTiming{step: s, started: started.Sub(t0), firstNew: seen.firstNew.Sub(t0), allNew: all.Sub(t0),
		requests: seen.requests, failed: seen.failed, firstErr: seen.firstErr,
		berthLog: benchLogSince(e.b, t0, all.Add(100*time.Millisecond))}
}

// benchGitWatchRef watches the bare repository's main from now on and
// returns a function that waits up to a minute for it to move and says
// when it did, zero when it cannot tell (the ref is packed).
func benchGitWatchRef(bare *gitserver.Repo) func() time.Time {
	ref := filepath.Join(bare.Dir, "refs", "heads", gitserver.Branch)
	before, err := os.ReadFile(ref)
	if err != nil {
		return func() time.Time { return time.Time{} }
	}
	done := make(chan time.Time, 1)
	go func() {
		deadline := time.Now().Add(time.Minute)
		for time.Now().Before(deadline) {
			now, err := os.ReadFile(ref)
			if err == nil && !bytes.Equal(now, before) {
				done <- time.Now()
				return
			}
			time.Sleep(2 * time.Millisecond)
		}
		done <- time.Time{}
	}()
	return func() time.Time { return <-done }
}

// benchGitWebhook sends the push webhook of a generic sender for main.
func benchGitWebhook(e *gitEnv, secret string) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.b.url("/api/hooks/git/config"), strings.NewReader(`{"ref":"refs/heads/main"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+secret)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var ans api.HookAnswer
	err = json.NewDecoder(res.Body).Decode(&ans)
	if res.StatusCode != http.StatusAccepted || err != nil || !ans.Syncing {
		e.t.Fatalf("webhook: %d %+v %v, want 202 and syncing", res.StatusCode, ans, err)
	}
}

func benchGitMedian(ts []benchGitTiming) benchGitTiming {
	pick := func(f func(benchGitTiming) time.Duration) time.Duration {
		var ds []time.Duration
		for _, t := range ts {
			if d := f(t); d != -1 {
				ds = append(ds, d)
			}
		}
		return benchMedian(ds)
	}
	m := benchGitTiming{
		step:     pick(func(t benchGitTiming) time.Duration { return t.step }),
		started:  pick(func(t benchGitTiming) time.Duration { return t.started }),
		firstNew: pick(func(t benchGitTiming) time.Duration { return t.firstNew }),
		allNew:   pick(func(t benchGitTiming) time.Duration { return t.allNew }),
	}
	for _, t := range ts {
		m.requests += t.requests
		m.failed += t.failed
	}
	return m
}

func benchGitPrint(rows []benchGitRow) {
	var w strings.Builder
	fmt.Fprintf(&w, "\ngit sync: a change reaching all traffic of a 3-replica app; health GET /healthz every 200ms\n")
	fmt.Fprintf(&w, "(healthy_threshold 1, passes at once); update_config %s;\n", benchGitUpdate)
	fmt.Fprintf(&w, "source interval 1h (never due); each image's layers are on the host already (berth pulls, no layer comes).\n")
	fmt.Fprintf(&w, "docker push: from the end of `docker push` of a tag ^1.0 accepts (step: berth's commit reaches git);\n")
	fmt.Fprintf(&w, "docker push, 3 at once: the same with parallelism: 3, the three new replicas started together.\n")
	fmt.Fprintf(&w, "git push: from the end of `git push` of an image tag edited by hand, no update policy, then a generic\n")
	fmt.Fprintf(&w, "push webhook (step: the webhook answered 202). started: berth's revision started; all traffic: every\n")
	fmt.Fprintf(&w, "answer is from the new version from then on. A poller sends GET / through the proxy every %s from 4\n", benchPollEvery)
	fmt.Fprintf(&w, "keep-alive clients (median row: sums of requests and failures); %s\n", benchMachine())
	fmt.Fprintf(&w, "goal: under 2s plus the health check\n\n")
	fmt.Fprintf(&w, "%-22s %-6s %8s %8s %9s %11s %9s %7s\n", "change", "run", "step", "started", "first new", "all traffic", "requests", "failed")
	for _, r := range rows {
		step := "-"
		if r.t.step != -1 {
			step = benchMillis(r.t.step)
		}
		fmt.Fprintf(&w, "%-22s %-6s %8s %8s %9s %11s %9d %7d", r.kind, r.run, step, benchMillis(r.t.started),
			benchMillis(r.t.firstNew), benchMillis(r.t.allNew), r.t.requests, r.t.failed)
		if r.t.firstErr != "" {
			fmt.Fprintf(&w, "  first failure: %s", r.t.firstErr)
		}
		w.WriteString("\n")
	}
	fmt.Print(w.String() + "\n")
}
