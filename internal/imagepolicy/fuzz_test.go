package imagepolicy

import (
	"strings"
	"testing"
)

func FuzzChoose(f *testing.F) {
	f.Add("semver", "^1.4", false, "", "", "", "v1.4.2 1.5.0 v1.5.0 v2.0.0-rc.1 latest")
	f.Add("semver", ">=2.0.0-rc.1", true, "", "", "", "v2.0.0-rc.2 v2.0.0_linux 2.0.0")
	f.Add("pattern", "", false, `^build-(?P<ts>[0-9]+)-[0-9a-f]{7}$`, "", "", "build-0010-1a2b3c4 build-9-deadbee build-x-1a2b3c4")
	f.Add("pattern", "", false, `(?P<n>[a-z]*)`, "alphabetical", "", "a b ab 1")
	f.Add("digest", "", false, "", "", "main", "main dev main")
	f.Add("pattern", "^1", true, "(", "newest", "-x", "")
	f.Fuzz(func(t *testing.T, kind, rng string, pre bool, pattern, order, tag, tagList string) {
		p := Policy{Kind: Kind(kind), Range: rng, Prerelease: pre, Pattern: pattern, Order: Order(order), Tag: tag}
		tags := strings.Fields(tagList)
		valid := p.Validate() == nil
		got, ok := p.Choose(tags)
		if !valid {
			if ok {
				t.Fatalf("an invalid policy %+v chose %q", p, got)
			}
			return
		}
		if !ok {
			for _, tag := range tags {
				if p.Qualifies(tag) {
					t.Fatalf("Choose found nothing, but %q qualifies under %+v", tag, p)
				}
			}
			return
		}
		if !p.Qualifies(got) {
			t.Fatalf("Choose took %q, which does not qualify under %+v", got, p)
		}
		for _, tag := range tags {
			if p.Prefers(tag, got) {
				t.Fatalf("%q is preferred to %q, which Choose took under %+v", tag, got, p)
			}
			if p.Prefers(tag, tag) {
				t.Fatalf("%q is preferred to itself under %+v", tag, p)
			}
			if p.Prefers(got, tag) == (tag == got) {
				t.Fatalf("Prefers(%q, %q) = %v under %+v", got, tag, p.Prefers(got, tag), p)
			}
		}
	})
}
