package publish

import (
	"fmt"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// formatBytes writes n in decimal units, as docker does: 12.3 MB.
func formatBytes(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	f, i := float64(n)/unit, 0
	for f >= unit && i < 3 {
		f /= unit
		i++
	}
	return fmt.Sprintf("%.1f %cB", f, "kMGT"[i])
}

// formatRate writes a speed in bytes per second: 3.2 MB/s.
func formatRate(bps float64) string {
	return formatBytes(int64(bps)) + "/s"
}

// shortDigest is a digest cut to algorithm and 12 hex digits, as docker
// shows layers.
func shortDigest(d v1.Hash) string {
	if len(d.Hex) > 12 {
		return d.Algorithm + ":" + d.Hex[:12]
	}
	return d.String()
}

// percent is done as a whole percentage of total, 100 when there is
// nothing to do.
func percent(done, total int64) int {
	if total <= 0 {
		return 100
	}
	return int(done * 100 / total)
}

// summary is the closing line of a push.
func summary(p Progress) string {
	if p.Failed {
		return fmt.Sprintf("%s: push failed after %s (%d layers pushed, %d skipped, %s sent)", p.Ref,
			p.Elapsed.Round(100*time.Millisecond), p.Count(LayerPushed), p.Count(LayerSkipped), formatBytes(p.Sent()))
	}
	return fmt.Sprintf("%s: %d layers pushed, %d skipped, %s in %s", p.Ref,
		p.Count(LayerPushed), p.Count(LayerSkipped), formatBytes(p.Sent()), p.Elapsed.Round(100*time.Millisecond))
}
