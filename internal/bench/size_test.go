package bench

import (
	"errors"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		{"a bare number is bytes", "4096", 4096, true},
		{"B is bytes", "100B", 100, true},
		{"KiB is 1024 bytes", "4KiB", 4 << 10, true},
		{"MiB is 1024 KiB", "64MiB", 64 << 20, true},
		{"GiB is 1024 MiB", "1GiB", 1 << 30, true},
		{"TiB is 1024 GiB", "2TiB", 2 << 40, true},
		{"a short K is binary", "8k", 8 << 10, true},
		{"a short G is binary", "1G", 1 << 30, true},
		{"MB is decimal", "5MB", 5e6, true},
		{"kB is decimal", "3kB", 3000, true},
		{"units ignore case", "1gib", 1 << 30, true},
		{"a space may separate number and unit", "1 GiB", 1 << 30, true},
		{"surrounding spaces are ignored", "  2MiB ", 2 << 20, true},
		{"a fraction that makes whole bytes is read", "1.5KiB", 1536, true},
		{"zero is read", "0", 0, true},
		{"a fraction of a byte is refused", "0.5B", 0, false},
		{"an unknown unit is refused", "3 parsecs", 0, false},
		{"a missing number is refused", "MiB", 0, false},
		{"an empty string is refused", "", 0, false},
		{"a negative number is refused", "-1MiB", 0, false},
		{"two dots are refused", "1.2.3", 0, false},
		{"a size past int64 is refused", "9000000TiB", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseSize(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseSize(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidSize) {
				t.Fatalf("error %v does not wrap ErrInvalidSize", err)
			}
			if got != tt.want {
				t.Fatalf("ParseSize(%q) = %d, want %d", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatSize(t *testing.T) {
	tests := []struct {
		name string
		in   int64
		want string
	}{
		{"small counts stay in bytes", 100, "100 B"},
		{"zero is bytes", 0, "0 B"},
		{"a whole KiB has no decimals", 4 << 10, "4 KiB"},
		{"a whole GiB has no decimals", 1 << 30, "1 GiB"},
		{"a part unit has one decimal", 1536, "1.5 KiB"},
		{"just under a unit stays in the smaller one", 1023, "1023 B"},
		{"a TiB is the largest unit", 3 << 40, "3 TiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatSize(tt.in); got != tt.want {
				t.Fatalf("FormatSize(%d) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatSizeReadsBack(t *testing.T) {
	for _, n := range []int64{0, 1, 1000, 4 << 10, 64 << 20, 1 << 30, 5 << 40} {
		got, err := ParseSize(FormatSize(n))
		if err != nil || got != n {
			t.Errorf("ParseSize(FormatSize(%d)) = %d, %v", n, got, err)
		}
	}
}
