package e2e

import (
	"syscall"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/server"
	"github.com/berth-dev/berth/internal/testapp"
)

// BenchmarkRestart measures what apps see while berth restarts, under
// steady load through the proxy (two clients, one kept alive and one on
// a new connection each request): the failed requests and the longest
// time without an answer, for an upgrade's handover and for a plain
// restart (SIGTERM, then berth serve again), in the same run.
//
//	go test ./internal/e2e -run '^$' -bench Restart -benchtime 1x
func BenchmarkRestart(b *testing.B) {
	requireDocker(b)
	for _, how := range []string{"handover", "plain restart"} {
		b.Run(how, func(b *testing.B) {
			bin := copyBerth(b)
			dir := b.TempDir()
			bb := startBerthBinary(b, bin, dir)
			builder := testapp.NewBuilder(b.TempDir())
			pushVersions(b, bb, builder, "e2e/bench-restart", "v1")
			e := newDeployEnv(b, bb, builder, "e2e/bench-restart")
			e.deploy(e.spec("v1", twoReplicas(e.host)), true)
			b.ResetTimer()
			var failed, refused int
			var gap time.Duration
			for range b.N {
				l := startSteadyLoad(bb.proxy, []string{e.host})
				time.Sleep(500 * time.Millisecond)
				switch how {
				case "handover":
					anotherBuild(b, bin)
					upgradeBerth(b, bin, dir)
				default:
					pid := readPid(b, dir, "serve.pid")
					if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
						b.Fatal(err)
					}
					waitUntil(b, time.Minute, "berth serve stopped", func() bool { return !server.Alive(pid) })
					bb = startBerthBinary(b, bin, dir, "--proxy-listen", bb.proxy)
				}
				time.Sleep(time.Second)
				r := l.stop()
				b.Logf("%s: %s", how, r)
				failed, refused = failed+r.failed, refused+r.refused
				gap = max(gap, r.gap())
			}
			b.ReportMetric(float64(failed)/float64(b.N), "failed/op")
			b.ReportMetric(float64(refused)/float64(b.N), "refused/op")
			b.ReportMetric(float64(gap.Microseconds())/1000, "max-gap-ms")
		})
	}
}
