package spec

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/imagepolicy"
)

func TestParseReadsImagePolicies(t *testing.T) {
	tests := []struct {
		name   string
		update string
		want   imagepolicy.Policy
	}{
		{"a semver range", `{policy: semver, range: "^1.4"}`,
			imagepolicy.Policy{Kind: imagepolicy.KindSemver, Range: "^1.4"}},
		{"a semver range with pre-releases", `{policy: semver, range: ">=2.0.0 <3", prerelease: true}`,
			imagepolicy.Policy{Kind: imagepolicy.KindSemver, Range: ">=2.0.0 <3", Prerelease: true}},
		{"any release", `{policy: semver}`,
			imagepolicy.Policy{Kind: imagepolicy.KindSemver}},
		{"a build tag pattern, ordered numerically by default", `{policy: pattern, pattern: '^build-(?P<ts>[0-9]+)-[0-9a-f]{7}$'}`,
			imagepolicy.Policy{Kind: imagepolicy.KindPattern, Pattern: `^build-(?P<ts>[0-9]+)-[0-9a-f]{7}$`, Order: imagepolicy.OrderNumeric}},
		{"a pattern ordered alphabetically", `{policy: pattern, pattern: '^r-(?P<n>[a-z]+)$', order: alphabetical}`,
			imagepolicy.Policy{Kind: imagepolicy.KindPattern, Pattern: `^r-(?P<n>[a-z]+)$`, Order: imagepolicy.OrderAlphabetical}},
		{"a followed tag", `{policy: digest, tag: main}`,
			imagepolicy.Policy{Kind: imagepolicy.KindDigest, Tag: "main"}},
		{"a policy in block style", "\n        policy: digest\n        tag: \"2024\"",
			imagepolicy.Policy{Kind: imagepolicy.KindDigest, Tag: "2024"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := mustParse(t, svc("image: 127.0.0.1:5000/shop/web:v1.4.2", "x-berth:", "  update: "+tt.update))
			got := app.Services[0].ImagePolicy
			if got == nil || !reflect.DeepEqual(*got, tt.want) {
				t.Fatalf("ImagePolicy = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseLeavesImagePolicyNilWithoutUpdate(t *testing.T) {
	if p := mustParse(t, svc("image: a:v1")).Services[0].ImagePolicy; p != nil {
		t.Fatalf("ImagePolicy = %+v, want nil", p)
	}
}

func TestParseTakesAnImagePolicyForAnyImage(t *testing.T) {
	for _, image := range []string{
		"nginx",
		"registry.example.com:5000/team/web:v1.4.2",
		"shop/web@sha256:" + strings.Repeat("a", 64),
		"shop/web:v1@sha256:" + strings.Repeat("a", 64),
		`"shop/web:v1"`,
	} {
		t.Run(image, func(t *testing.T) {
			mustParse(t, svc("image: "+image, "x-berth: {update: {policy: semver}}"))
		})
	}
}

func TestParseReportsImagePolicyProblems(t *testing.T) {
	const at = "services.web.x-berth.update"
	update := func(u string) string { return svc("image: shop/web:v1", "x-berth:", "  update: "+u) }
	tests := []struct {
		name string
		src  string
		line int
		path string
		msg  string
	}{
		{"an update that is not a mapping", update("semver"), 6, at, "must be a mapping"},
		{"an update without a policy", update("{range: ^1}"), 6, at, "an update needs a policy"},
		{"an unknown policy", update("{policy: newest}"), 6, at + ".policy", `"newest" is not one of semver, pattern, digest`},
		{"a policy that is not a string", update("{policy: [semver]}"), 6, at + ".policy", "must be a string"},
		{"an unknown key", update("{policy: semver, ranges: ^1}"), 6, at + ".ranges", "unknown key ranges"},
		{"a key of another policy", update("{policy: semver, tag: main}"), 6, at + ".tag", "tag is for policy digest, not semver"},
		{"an order on a digest policy", update("{policy: digest, tag: main, order: numeric}"), 6, at + ".order", "order is for policy pattern, not digest"},
		{"a malformed range", update(`{policy: semver, range: "^1.x.y"}`), 6, at + ".range", `"^1.x.y" is not a semver range`},
		{"a range written as a number", update("{policy: semver, range: 1.4}"), 6, at + ".range", "must be a string, not the number 1.4; quote it"},
		{"a prerelease that is not a flag", update("{policy: semver, prerelease: sometimes}"), 6, at + ".prerelease", "must be true or false"},
		{"a pattern without a named group", update("{policy: pattern, pattern: '^build-([0-9]+)$'}"), 6, at + ".pattern", "has no named group"},
		{"a pattern that does not compile", update("{policy: pattern, pattern: '(?P<n>[0-9]+'}"), 6, at + ".pattern", "is not a regular expression"},
		{"a pattern policy without a pattern", update("{policy: pattern}"), 6, at + ".pattern", "is missing"},
		{"an unknown order", update("{policy: pattern, pattern: '(?P<n>.+)', order: newest}"), 6, at + ".order", `"newest" is not one of numeric, alphabetical`},
		{"a digest policy without a tag", update("{policy: digest}"), 6, at + ".tag", "is missing"},
		{"a tag that is no tag", update("{policy: digest, tag: 'a b'}"), 6, at + ".tag", `"a b" is not a tag`},
		{"a tag written as a number", update("{policy: digest, tag: 2024}"), 6, at + ".tag", "quote it"},
		{"an interpolated image", svc("image: ${IMAGE}", "x-berth: {update: {policy: semver}}"), 5, at, "${VAR} interpolation"},
		{"an image from a merge key", "name: shop\nx-base: &base {image: shop/web:v1}\nservices:\n  web:\n    <<: *base\n    x-berth: {update: {policy: semver}}\n", 6, at, "merge key"},
		{"an aliased image", "name: shop\nx-img: &img shop/web:v1\nservices:\n  web:\n    image: *img\n    x-berth: {update: {policy: semver}}\n", 6, at, "alias (*img)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("compose.yaml", []byte(tt.src), "", map[string]string{"IMAGE": "shop/web:v1"})
			es := problems(t, err)
			if len(es) != 1 {
				t.Fatalf("problems = %v, want one", err)
			}
			if e := es[0]; e.Line != tt.line || e.Path != tt.path || !strings.Contains(e.Message, tt.msg) {
				t.Fatalf("problem = %v, want line %d, path %s, %q", e, tt.line, tt.path, tt.msg)
			}
		})
	}
}

func TestImagePolicyChangesNeitherHash(t *testing.T) {
	base := mustParse(t, hashBase)
	for _, update := range []string{
		`{policy: semver, range: "^1.4"}`,
		`{policy: pattern, pattern: '^build-(?P<ts>[0-9]+)$'}`,
		`{policy: digest, tag: main}`,
	} {
		t.Run(update, func(t *testing.T) {
			src := strings.Replace(hashBase, "    x-berth:\n", "    x-berth:\n      update: "+update+"\n", 1)
			app := mustParse(t, src)
			if app.Services[0].ImagePolicy == nil {
				t.Fatal("the policy was not read")
			}
			if app.Hash != base.Hash {
				t.Errorf("App.Hash changed with the policy alone: %s, was %s", app.Hash, base.Hash)
			}
			if got, was := app.Services[0].ConfigDigest(), base.Services[0].ConfigDigest(); got != was {
				t.Errorf("ConfigDigest changed with the policy alone: %s, was %s", got, was)
			}
		})
	}
}

func TestImagePolicyKeepsApartFromHashInput(t *testing.T) {
	// The hashes leave the policy out without dropping it from the App.
	app := mustParse(t, svc("image: shop/web:v1", "x-berth: {update: {policy: digest, tag: main}}"))
	_ = app.Services[0].ConfigDigest()
	_ = hash(app)
	if p := app.Services[0].ImagePolicy; p == nil || p.Tag != "main" {
		t.Fatalf("ImagePolicy after hashing = %+v", p)
	}
}
