package imagepolicy

import (
	"errors"
	"strings"
	"testing"
)

func TestChoose(t *testing.T) {
	semver := func(r string) Policy { return Policy{Kind: KindSemver, Range: r} }
	pre := func(r string) Policy { return Policy{Kind: KindSemver, Range: r, Prerelease: true} }
	numeric := func(p string) Policy { return Policy{Kind: KindPattern, Pattern: p} }
	alpha := func(p string) Policy { return Policy{Kind: KindPattern, Pattern: p, Order: OrderAlphabetical} }
	const build = `^build-(?P<ts>[0-9]+)-[0-9a-f]{7}$`
	tests := []struct {
		name   string
		policy Policy
		tags   []string
		want   string // "" when none qualifies
	}{
		{"semver without a range takes the highest release", semver(""),
			[]string{"v1.2.0", "v1.10.0", "v1.9.3", "latest", "v2.0.0-rc.1"}, "v1.10.0"},
		{"semver counts tags with and without a v", semver(""),
			[]string{"v1.4.2", "1.5.0", "v1.4.9"}, "1.5.0"},
		{"semver gives a tie to the later tag in sort order", semver(""),
			[]string{"v1.4.2", "1.4.2"}, "v1.4.2"},
		{"semver gives a tie to the later tag whatever the order listed", semver(""),
			[]string{"1.4.2", "v1.4.2"}, "v1.4.2"},
		{"semver keeps within a caret range", semver("^1.4"),
			[]string{"v1.3.9", "v1.4.0", "v1.9.1", "v2.0.0"}, "v1.9.1"},
		{"semver keeps within a two-sided range", semver(">=2.0.0 <3"),
			[]string{"v1.9.9", "v2.0.0", "v2.7.1", "v3.0.0"}, "v2.7.1"},
		{"semver keeps within a tilde range", semver("~1.4.2"),
			[]string{"v1.4.1", "v1.4.7", "v1.5.0"}, "v1.4.7"},
		{"semver leaves pre-releases out by default", semver("^1.4"),
			[]string{"v1.4.0", "v1.5.0-rc.1"}, "v1.4.0"},
		{"semver takes pre-releases when asked", pre("^1.4"),
			[]string{"v1.4.0", "v1.5.0-rc.1"}, "v1.5.0-rc.1"},
		{"semver without a range takes pre-releases when asked", pre(""),
			[]string{"v1.4.0", "v1.5.0-rc.1", "v1.5.0-rc.2"}, "v1.5.0-rc.2"},
		{"semver ranks a release above its pre-releases", pre(""),
			[]string{"v2.0.0-rc.9", "v2.0.0", "v2.0.0-beta"}, "v2.0.0"},
		{"semver takes pre-releases when the range names one", semver(">=2.0.0-rc.1"),
			[]string{"v1.9.0", "v2.0.0-rc.2"}, "v2.0.0-rc.2"},
		{"semver reads build metadata written with an underscore", semver("^1"),
			[]string{"v1.4.2_linux", "v1.4.1"}, "v1.4.2_linux"},
		{"semver does not order by build metadata", semver(""),
			[]string{"v1.4.2_b", "v1.4.2_a", "v1.4.1_z"}, "v1.4.2_b"},
		{"semver ignores tags that are not strict versions", semver(""),
			[]string{"v1", "v1.4", "v01.4.2", "V1.4.2", "1.4.2.1", "vv1.4.2", "v1.2.3-", "v1.2.3-01", "build-1", "v0.1.0"}, "v0.1.0"},
		{"semver ignores what is not a valid tag", semver(""),
			[]string{"v9.0.0+meta", "-v8.0.0", "v1.0.0"}, "v1.0.0"},
		{"semver finds nothing outside its range", semver("^3"),
			[]string{"v1.0.0", "v2.0.0"}, ""},
		{"semver finds nothing in no tags", semver(""), nil, ""},
		{"pattern orders build timestamps numerically", numeric(build),
			[]string{"build-20240101120000-1a2b3c4", "build-20240315093000-deadbee", "build-9-0000000", "v1.0.0"}, "build-20240315093000-deadbee"},
		{"pattern orders numbers of any length", numeric(`^(?P<n>[0-9]+)$`),
			[]string{"99999999999999999999999", "100000000000000000000000", "7"}, "100000000000000000000000"},
		{"pattern orders numbers with leading zeros by value", numeric(`^b(?P<n>[0-9]+)$`),
			[]string{"b010", "b9"}, "b010"},
		{"pattern breaks a numeric tie by the tag", numeric(`^b(?P<n>[0-9]+)$`),
			[]string{"b7", "b007"}, "b7"},
		{"pattern skips tags whose group is not a number", numeric(`^b-(?P<n>.+)$`),
			[]string{"b-12", "b-9x", "b-"}, "b-12"},
		{"pattern skips tags it does not match", numeric(build),
			[]string{"build-5-1a2b3c4-dirty", "build-x-1a2b3c4", "build-4-1a2b3c4"}, "build-4-1a2b3c4"},
		{"pattern skips tags where the group takes no part", numeric(`^main-(?:(?P<n>[0-9]+)|x)$`),
			[]string{"main-x", "main-3"}, "main-3"},
		{"pattern orders alphabetically when asked", alpha(`^release-(?P<name>[a-z]+)$`),
			[]string{"release-bionic", "release-focal", "release-jammy", "release-1"}, "release-jammy"},
		{"pattern alphabetical is byte order, not numeric", alpha(`^r(?P<n>[0-9]+)$`),
			[]string{"r10", "r9"}, "r9"},
		{"pattern alphabetical takes an empty group", alpha(`^x(?P<s>[a-z]*)$`),
			[]string{"x"}, "x"},
		{"pattern without anchors matches inside a tag", numeric(`(?P<n>[0-9]+)`),
			[]string{"a1", "b22c"}, "b22c"},
		{"digest takes its tag when present", Policy{Kind: KindDigest, Tag: "main"},
			[]string{"v1.0.0", "main", "mainline"}, "main"},
		{"digest finds nothing without its tag", Policy{Kind: KindDigest, Tag: "main"},
			[]string{"v1.0.0", "Main"}, ""},
		{"an invalid policy chooses nothing", Policy{Kind: KindSemver, Range: "^1.x.y"},
			[]string{"v1.0.0"}, ""},
		{"a policy of no kind chooses nothing", Policy{}, []string{"v1.0.0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := tt.policy.Choose(tt.tags)
			if got != tt.want || ok != (tt.want != "") {
				t.Fatalf("Choose(%q) = %q, %v; want %q, %v", tt.tags, got, ok, tt.want, tt.want != "")
			}
			for _, tag := range tt.tags {
				if ok && tt.policy.Prefers(tag, got) {
					t.Errorf("Prefers(%q, %q) = true, though Choose took %q", tag, got, got)
				}
			}
		})
	}
}

func TestPrefers(t *testing.T) {
	semver := Policy{Kind: KindSemver, Range: "^1.4"}
	build := Policy{Kind: KindPattern, Pattern: `^build-(?P<n>[0-9]+)$`}
	digest := Policy{Kind: KindDigest, Tag: "main"}
	tests := []struct {
		name   string
		policy Policy
		a, b   string
		want   bool
	}{
		{"a higher version over a lower", semver, "v1.5.0", "v1.4.2", true},
		{"not a lower version over a higher", semver, "v1.4.2", "v1.5.0", false},
		{"not a tag over itself", semver, "v1.4.2", "v1.4.2", false},
		{"the v spelling over the bare one", semver, "v1.4.2", "1.4.2", true},
		{"not the bare spelling over the v one", semver, "1.4.2", "v1.4.2", false},
		{"a qualifying tag over one outside the range", semver, "v1.4.0", "v2.0.0", true},
		{"a qualifying tag over one that is no version", semver, "v1.4.0", "latest", true},
		{"not a tag outside the range over anything", semver, "v2.0.0", "v1.4.0", false},
		{"not a pre-release the policy leaves out", semver, "v1.6.0-rc.1", "v1.5.0", false},
		{"a later build over an earlier", build, "build-10", "build-9", true},
		{"not an earlier build over a later", build, "build-9", "build-10", false},
		{"not the followed tag over itself", digest, "main", "main", false},
		{"the followed tag over another", digest, "main", "v1.0.0", true},
		{"not another tag over the followed one", digest, "v1.0.0", "main", false},
		{"nothing under an invalid policy", Policy{Kind: KindPattern, Pattern: "("}, "a", "b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Prefers(tt.a, tt.b); got != tt.want {
				t.Fatalf("Prefers(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestQualifies(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		tag    string
		want   bool
	}{
		{"a release in range", Policy{Kind: KindSemver, Range: "^1.4"}, "v1.4.2", true},
		{"a release out of range", Policy{Kind: KindSemver, Range: "^1.4"}, "v1.3.0", false},
		{"a pre-release by default", Policy{Kind: KindSemver}, "v1.4.2-rc.1", false},
		{"a pre-release when asked", Policy{Kind: KindSemver, Prerelease: true}, "v1.4.2-rc.1", true},
		{"a tag too long for OCI", Policy{Kind: KindPattern, Pattern: `^(?P<n>[0-9]+)$`}, strings.Repeat("1", 129), false},
		{"the longest OCI tag", Policy{Kind: KindPattern, Pattern: `^(?P<n>[0-9]+)$`}, strings.Repeat("1", 128), true},
		{"an empty tag", Policy{Kind: KindPattern, Pattern: `(?P<s>.*)`, Order: OrderAlphabetical}, "", false},
		{"the digest policy's tag", Policy{Kind: KindDigest, Tag: "main"}, "main", true},
		{"another tag under a digest policy", Policy{Kind: KindDigest, Tag: "main"}, "dev", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.policy.Qualifies(tt.tag); got != tt.want {
				t.Fatalf("Qualifies(%q) = %v, want %v", tt.tag, got, tt.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		field  string // "" when valid
		msg    string
	}{
		{"a semver policy without a range", Policy{Kind: KindSemver}, "", ""},
		{"a semver policy with a range", Policy{Kind: KindSemver, Range: ">=2.0.0 <3", Prerelease: true}, "", ""},
		{"a pattern policy", Policy{Kind: KindPattern, Pattern: `^b-(?P<n>\d+)-(\w+)$`, Order: OrderNumeric}, "", ""},
		{"a digest policy", Policy{Kind: KindDigest, Tag: "main"}, "", ""},
		{"no kind", Policy{}, "policy", "policy is missing"},
		{"an unknown kind", Policy{Kind: "latest"}, "policy", `policy "latest" is not one of semver, pattern, digest`},
		{"a malformed range", Policy{Kind: KindSemver, Range: "^1.x.y"}, "range", `range "^1.x.y" is not a semver range`},
		{"a range too long", Policy{Kind: KindSemver, Range: strings.Repeat("1", 600)}, "range", "too long"},
		{"no pattern", Policy{Kind: KindPattern}, "pattern", "pattern is missing"},
		{"a pattern that does not compile", Policy{Kind: KindPattern, Pattern: "(?P<n>[0-9]+"}, "pattern", "is not a regular expression"},
		{"a pattern without a named group", Policy{Kind: KindPattern, Pattern: "^build-([0-9]+)$"}, "pattern", "pattern has no named group"},
		{"a pattern with two named groups", Policy{Kind: KindPattern, Pattern: "^(?P<a>[0-9]+)-(?P<b>[0-9]+)$"}, "pattern", "has 2 named groups (a, b)"},
		{"an unknown order", Policy{Kind: KindPattern, Pattern: "(?P<n>.)", Order: "newest"}, "order", `order "newest" is not one of numeric, alphabetical`},
		{"a digest policy without a tag", Policy{Kind: KindDigest}, "tag", "tag is missing"},
		{"a digest policy with a bad tag", Policy{Kind: KindDigest, Tag: "-main"}, "tag", `tag "-main" is not a tag`},
		{"a range on a pattern policy", Policy{Kind: KindPattern, Pattern: "(?P<n>.)", Range: "^1"}, "range", "range is for policy semver, not pattern"},
		{"prerelease on a digest policy", Policy{Kind: KindDigest, Tag: "main", Prerelease: true}, "prerelease", "prerelease is for policy semver, not digest"},
		{"a pattern on a semver policy", Policy{Kind: KindSemver, Pattern: "(?P<n>.)"}, "pattern", "pattern is for policy pattern, not semver"},
		{"an order on a digest policy", Policy{Kind: KindDigest, Tag: "main", Order: OrderNumeric}, "order", "order is for policy pattern, not digest"},
		{"a tag on a semver policy", Policy{Kind: KindSemver, Tag: "main"}, "tag", "tag is for policy digest, not semver"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Fatalf("Validate = %v, want an *Error wrapping ErrInvalid", err)
			}
			if e.Field != tt.field || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Validate = %v at field %s, want %q at %s", err, e.Field, tt.msg, tt.field)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := Policy{Kind: KindDigest, Range: "^1", Pattern: "x"}.Validate()
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		t.Fatalf("Validate = %v, want several problems", err)
	}
	var fields []string
	for _, e := range joined.Unwrap() {
		var pe *Error
		if !errors.As(e, &pe) {
			t.Fatalf("%v is not an *Error", e)
		}
		fields = append(fields, pe.Field)
	}
	if got := strings.Join(fields, ","); got != "tag,range,pattern" {
		t.Fatalf("Validate reported fields %s, want tag,range,pattern: %v", got, err)
	}
}
