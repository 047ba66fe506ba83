package spec

import (
	"errors"
	"maps"
	"slices"

	"github.com/distribution/reference"

	"github.com/berth-dev/berth/internal/imagepolicy"
)

// updateKeys are the keys of x-berth.update.
var updateKeys = []string{"policy", "range", "prerelease", "pattern", "order", "tag"}

// policyKeys are the keys each kind of policy takes besides policy.
var policyKeys = map[imagepolicy.Kind][]string{
	imagepolicy.KindSemver:  {"range", "prerelease"},
	imagepolicy.KindPattern: {"pattern", "order"},
	imagepolicy.KindDigest:  {"tag"},
}

// imagePolicy reads x-berth.update, the policy that chooses which tag
// of its repository the service runs. berth writes a tag the policy
// prefers into the service's image in the file, so the image must be a
// reference written out there.
func (p *parser) imagePolicy(s *Service, v any, path []string) *imagepolicy.Policy {
	m, ok := p.mapping(path, v, updateKeys...)
	if !ok {
		return nil
	}
	kv, ok := m["policy"]
	if !ok {
		p.add(path, "an update needs a policy: semver, pattern or digest, like {policy: semver, range: ^1.4}")
		return nil
	}
	kind, ok := p.text(join(path, "policy"), kv)
	if !ok {
		return nil
	}
	pol := &imagepolicy.Policy{Kind: imagepolicy.Kind(kind)}
	own, known := policyKeys[pol.Kind]
	if !known {
		p.add(join(path, "policy"), "%q is not one of semver, pattern, digest", kind)
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if k != "policy" && slices.Contains(updateKeys, k) && !slices.Contains(own, k) {
			p.add(join(path, k), "%s is for policy %s, not %s", k, ownerOf(k), kind)
		}
	}
	bad := p.policyFields(pol, m, path)
	var es interface{ Unwrap() []error }
	if err := pol.Validate(); errors.As(err, &es) {
		for _, e := range es.Unwrap() {
			var pe *imagepolicy.Error
			if errors.As(e, &pe) && !bad[pe.Field] {
				p.add(join(path, pe.Field), "%s", pe.Message)
			}
		}
	}
	p.policyImage(s, path)
	return pol
}

// policyFields reads the keys of pol's kind, and returns those whose
// value was already reported as not a string.
func (p *parser) policyFields(pol *imagepolicy.Policy, m map[string]any, path []string) map[string]bool {
	bad := map[string]bool{}
	word := func(k string) string {
		v, ok := m[k]
		if !ok {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			p.add(join(path, k), "must be a string, not %s; quote it", describe(v))
			bad[k] = true
		}
		return s
	}
	switch pol.Kind {
	case imagepolicy.KindSemver:
		pol.Range = word("range")
		if v, ok := m["prerelease"]; ok {
			pol.Prerelease = p.flag(join(path, "prerelease"), v)
		}
	case imagepolicy.KindPattern:
		pol.Pattern = word("pattern")
		pol.Order = imagepolicy.OrderNumeric
		if _, ok := m["order"]; ok {
			pol.Order = imagepolicy.Order(word("order"))
		}
	case imagepolicy.KindDigest:
		pol.Tag = word("tag")
	}
	return bad
}

// ownerOf names the kind of policy that takes key.
func ownerOf(key string) imagepolicy.Kind {
	for kind, keys := range policyKeys {
		if slices.Contains(keys, key) {
			return kind
		}
	}
	return ""
}

// policyImage checks that berth can write a new tag into the service's
// image: a reference to a repository, written out in the file where
// SetImage can edit it. An image that is no reference is reported at
// the image already.
func (p *parser) policyImage(s *Service, path []string) {
	if _, err := reference.ParseNormalizedNamed(s.Image); err != nil {
		return
	}
	if _, e := imageScalar(p.tree, s.Name); e != nil {
		p.add(path, "berth writes the tag the policy chooses into the service's image, which it cannot edit: %s", e.Reason)
	}
}
