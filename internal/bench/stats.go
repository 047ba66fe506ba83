package bench

import (
	"math"
	"slices"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted, which
// must be in ascending order, by the nearest-rank method: the smallest
// sample that at least p percent of the samples are less than or equal to.
// It returns 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// median returns the middle of samples, the mean of the two middle ones
// for an even count, without reordering samples. It returns 0 for none.
func median(samples []time.Duration) time.Duration {
	n := len(samples)
	if n == 0 {
		return 0
	}
	s := slices.Clone(samples)
	slices.Sort(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// mbPerSecond is a throughput in MB (10^6 bytes) per second.
func mbPerSecond(bytes int64, d time.Duration) float64 {
	return float64(bytes) / d.Seconds() / 1e6
}

// perSecond is a rate of n events per second.
func perSecond(n int, d time.Duration) float64 {
	return float64(n) / d.Seconds()
}

// milliseconds is d as a fractional number of milliseconds.
func milliseconds(d time.Duration) float64 {
	return float64(d) / float64(time.Millisecond)
}
