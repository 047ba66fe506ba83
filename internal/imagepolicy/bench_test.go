package imagepolicy

import (
	"fmt"
	"testing"
)

// BenchmarkChoose chooses among the tags of a busy repository: a
// thousand releases and a thousand build tags.
func BenchmarkChoose(b *testing.B) {
	var tags []string
	for i := range 1000 {
		tags = append(tags, fmt.Sprintf("v%d.%d.%d", i/100, i/10%10, i%10), fmt.Sprintf("build-%d-%07x", 20240101000000+i, i))
	}
	for _, p := range []Policy{
		{Kind: KindSemver, Range: "^3"},
		{Kind: KindPattern, Pattern: `^build-(?P<ts>[0-9]+)-[0-9a-f]{7}$`},
	} {
		b.Run(string(p.Kind), func(b *testing.B) {
			for b.Loop() {
				if _, ok := p.Choose(tags); !ok {
					b.Fatal("nothing chosen")
				}
			}
		})
	}
}
