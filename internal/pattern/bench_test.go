package pattern

import (
	"strings"
	"testing"
)

// BenchmarkMatch measures the patterns configuration uses every request
// (grants, anonymous pull, immutability) and a hostile one: stars that a
// backtracking matcher would try every split of a long name for.
func BenchmarkMatch(b *testing.B) {
	long := strings.Repeat("ab/", 84) + "b" // 253 characters, no match
	cases := []struct{ name, pattern, in string }{
		{"literal", "team/api", "team/api"},
		{"component", "team/*", "team/api"},
		{"tag", "v*", "v1.24.3"},
		{"nested", "**/*-prod", "org/x/y/db-prod"},
		{"hostile", "**/**/**/**/*a", long},
		{"hostile-stars", strings.Repeat("*a", 20) + "b", strings.Repeat("a", 250)},
		{"hostile-long", strings.Repeat("**/", 40) + "*a", long},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				Match(c.pattern, c.in)
			}
		})
	}
}
