package imagepolicy

import (
	"cmp"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// Choose returns the tag the policy prefers among tags, and whether any
// qualifies. For semver, tags like "v1.4.2" and "1.4.2" both count; ties
// (same version written two ways) go to the later in sort order. For
// pattern, the named group's value orders (numerically: as a big
// integer; a tag whose group is not a number does not qualify). For
// digest, the tag itself if present. An invalid policy chooses nothing.
func (p Policy) Choose(tags []string) (string, bool) {
	r, ok := p.ranker()
	if !ok {
		return "", false
	}
	var best string
	var bestRank rank
	found := false
	for _, t := range tags {
		k, ok := r.rank(t)
		if ok && (!found || r.compare(k, t, bestRank, best) > 0) {
			best, bestRank, found = t, k, true
		}
	}
	return best, found
}

// Prefers reports whether tag a is preferred to tag b under the policy,
// for "is this newer than what runs": a qualifies, and b either does not
// or comes before a in the policy's order. So a qualifying tag is
// preferred to one that does not qualify, such as a tag the service ran
// before the policy was set, or one a narrowed range now leaves out.
func (p Policy) Prefers(a, b string) bool {
	r, ok := p.ranker()
	if !ok {
		return false
	}
	ka, ok := r.rank(a)
	if !ok {
		return false
	}
	kb, ok := r.rank(b)
	return !ok || r.compare(ka, a, kb, b) > 0
}

// Qualifies reports whether tag qualifies at all.
func (p Policy) Qualifies(tag string) bool {
	r, ok := p.ranker()
	if !ok {
		return false
	}
	_, ok = r.rank(tag)
	return ok
}

// ranker is a valid Policy made ready to rank tags.
type ranker struct {
	p     Policy
	cons  *semver.Constraints // semver: nil for any version
	re    *regexp.Regexp      // pattern
	group int                 // pattern: the named group's index
}

// rank is where a qualifying tag stands in the policy's order.
type rank struct {
	version *semver.Version // semver
	value   string          // pattern: the named group's value, without leading zeros when numeric
}

// ranker prepares p, false when p is invalid.
func (p Policy) ranker() (ranker, bool) {
	if p.Validate() != nil {
		return ranker{}, false
	}
	r := ranker{p: p}
	switch p.Kind {
	case KindSemver:
		if p.Range != "" {
			cons, err := semver.NewConstraint(p.Range)
			if err != nil {
				return ranker{}, false
			}
			cons.IncludePrerelease = p.Prerelease
			r.cons = cons
		}
	case KindPattern:
		re, err := regexp.Compile(p.Pattern)
		if err != nil {
			return ranker{}, false
		}
		r.re = re
		for i, n := range re.SubexpNames() {
			if n != "" {
				r.group = i
			}
		}
	}
	return r, true
}

// rank places tag in the policy's order, false when it does not qualify.
func (r ranker) rank(tag string) (rank, bool) {
	if !tagRE.MatchString(tag) {
		return rank{}, false
	}
	switch r.p.Kind {
	case KindSemver:
		v, ok := parseVersion(tag)
		switch {
		case !ok:
			return rank{}, false
		case r.cons != nil:
			ok = r.cons.Check(v)
		default:
			ok = r.p.Prerelease || v.Prerelease() == ""
		}
		return rank{version: v}, ok
	case KindPattern:
		m := r.re.FindStringSubmatchIndex(tag)
		if m == nil || m[2*r.group] < 0 {
			return rank{}, false
		}
		value := tag[m[2*r.group]:m[2*r.group+1]]
		if r.p.Order == OrderAlphabetical {
			return rank{value: value}, true
		}
		if value == "" || strings.Trim(value, "0123456789") != "" {
			return rank{}, false
		}
		if value = strings.TrimLeft(value, "0"); value == "" {
			value = "0"
		}
		return rank{value: value}, true
	case KindDigest:
		return rank{}, tag == r.p.Tag
	}
	return rank{}, false
}

// compare orders two qualifying tags by their ranks, then as strings.
func (r ranker) compare(ka rank, a string, kb rank, b string) int {
	var c int
	switch {
	case r.p.Kind == KindSemver:
		c = ka.version.Compare(kb.version)
	case r.p.Kind == KindPattern && r.p.Order == OrderAlphabetical:
		c = strings.Compare(ka.value, kb.value)
	case r.p.Kind == KindPattern:
		// Whole numbers without leading zeros: the longer is the larger.
		c = cmp.Or(cmp.Compare(len(ka.value), len(kb.value)), strings.Compare(ka.value, kb.value))
	}
	return cmp.Or(c, strings.Compare(a, b))
}

// parseVersion reads a tag as a semantic version: strict semver after an
// optional "v", with the first "_" standing for "+", which OCI tags
// cannot hold.
func parseVersion(tag string) (*semver.Version, bool) {
	s := strings.Replace(strings.TrimPrefix(tag, "v"), "_", "+", 1)
	v, err := semver.StrictNewVersion(s)
	return v, err == nil
}
