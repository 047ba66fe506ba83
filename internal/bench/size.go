package bench

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalidSize is wrapped by ParseSize when it cannot read a size.
var ErrInvalidSize = errors.New("invalid size")

// ParseSize reads a byte count such as "4096", "4KiB", "64MiB" or "1.5GB".
// Binary units (KiB, MiB, GiB, TiB and the short K, M, G, T) are powers of
// 1024; decimal units (kB, MB, GB, TB) are powers of 1000. Units are not
// case-sensitive and may be separated from the number by spaces.
func ParseSize(s string) (int64, error) {
	in := strings.TrimSpace(s)
	end := strings.IndexFunc(in, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if end < 0 {
		end = len(in)
	}
	num, unit := in[:end], strings.TrimSpace(in[end:])
	mult, ok := unitMultiplier(unit)
	if !ok {
		return 0, fmt.Errorf("%w %q: unknown unit %q", ErrInvalidSize, s, unit)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" {
		return 0, fmt.Errorf("%w %q: want a number with an optional unit such as 64MiB", ErrInvalidSize, s)
	}
	n := f * float64(mult)
	if n >= math.MaxInt64 {
		return 0, fmt.Errorf("%w %q: too large", ErrInvalidSize, s)
	}
	if n != math.Trunc(n) {
		return 0, fmt.Errorf("%w %q: not a whole number of bytes", ErrInvalidSize, s)
	}
	return int64(n), nil
}

func unitMultiplier(unit string) (int64, bool) {
	switch strings.ToLower(unit) {
	case "", "b":
		return 1, true
	case "k", "ki", "kib":
		return 1 << 10, true
	case "m", "mi", "mib":
		return 1 << 20, true
	case "g", "gi", "gib":
		return 1 << 30, true
	case "t", "ti", "tib":
		return 1 << 40, true
	case "kb":
		return 1e3, true
	case "mb":
		return 1e6, true
	case "gb":
		return 1e9, true
	case "tb":
		return 1e12, true
	}
	return 0, false
}

// FormatSize writes n bytes with the largest binary unit that keeps it
// readable: "1 GiB", "64 MiB", "1.5 KiB", "100 B". Whole multiples are
// written without decimals so that ParseSize reads them back exactly.
func FormatSize(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for i+1 < len(units) && n >= int64(1)<<(10*(i+1)) {
		i++
	}
	unit := int64(1) << (10 * i)
	if n%unit == 0 {
		return fmt.Sprintf("%d %s", n/unit, units[i])
	}
	return fmt.Sprintf("%.1f %s", float64(n)/float64(unit), units[i])
}
