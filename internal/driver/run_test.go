package driver

import (
	"strings"
	"testing"
)

func TestTailKeepsTheLastBytes(t *testing.T) {
	tests := []struct {
		name      string
		writes    []string
		want      string
		truncated bool
	}{
		{"less than it keeps", []string{"ab", "cd"}, "abcd", false},
		{"exactly what it keeps", []string{"abc", "de"}, "abcde", false},
		{"more, over several writes", []string{"abc", "def", "g"}, "cdefg", true},
		{"one write of more", []string{"abcdefgh"}, "defgh", true},
		{"one write of exactly what it keeps after others", []string{"x", "abcde"}, "abcde", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tail := NewTail(5)
			for _, w := range tt.writes {
				if n, err := tail.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			got, truncated := tail.Bytes()
			if string(got) != tt.want || truncated != tt.truncated {
				t.Fatalf("Bytes() = %q, %v; want %q, %v", got, truncated, tt.want, tt.truncated)
			}
		})
	}
	big := NewTail(MaxRunOutput)
	for range 100 {
		_, _ = big.Write([]byte(strings.Repeat("x", 1000) + "\n"))
	}
	if got, truncated := big.Bytes(); len(got) != MaxRunOutput || !truncated {
		t.Fatalf("after 100 KB it keeps %d bytes (truncated %v), want %d", len(got), truncated, MaxRunOutput)
	}
}
