package release

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/Masterminds/semver/v3"
)

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{
		DefaultFormat, "{branch}-{shortsha}", "v{version}-{date}.{time}-{sha}", "{sha", "}{sha}",
		"{{sha}}", "{}", "{unknown}", "", "plain", "{shortsha}{shortsha}", "a{sha}b{branch}c",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fm, err := parseFormat(s)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("parseFormat(%q) error %v is not ErrFormat", s, err)
			}
			return
		}
		if !fm.uses("sha") && !fm.uses("shortsha") {
			t.Fatalf("parseFormat(%q) accepted a format without {sha} or {shortsha}", s)
		}
		var back strings.Builder
		for _, seg := range fm {
			if seg.name != "" {
				back.WriteString("{" + seg.name + "}")
			} else if strings.ContainsAny(seg.literal, "{}") {
				t.Fatalf("parseFormat(%q): literal %q holds a brace", s, seg.literal)
			} else {
				back.WriteString(seg.literal)
			}
		}
		if back.String() != s {
			t.Fatalf("parseFormat(%q) round-trips to %q", s, back.String())
		}
		out, err := fm.render(func(name string) (string, error) { return "<" + name + ">", nil })
		if err != nil || !strings.Contains(out, "sha>") {
			t.Fatalf("render of %q = %q, %v", s, out, err)
		}
	})
}

func FuzzParseVersionTag(f *testing.F) {
	for _, s := range []string{
		"v1.2.3", "1.2.3", "v1.2.3-rc.1+build.5", "v1.2", "v01.2.3", "V1.2.3", "1.2.3.4", "v1",
		"v18446744073709551615.18446744073709551615.18446744073709551615", "v1.2.3-", "v1.2.3+a+b", "v1.2.3_m",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok, err := parseVersionTag(s)
		if !ok {
			if err != nil || looksLikeVersion.MatchString(s) {
				t.Fatalf("parseVersionTag(%q) = not a version, %v", s, err)
			}
			return
		}
		if err != nil {
			if !errors.Is(err, ErrReleaseTag) || !strings.Contains(err.Error(), "invalid release tag") {
				t.Fatalf("parseVersionTag(%q) error %v is not ErrReleaseTag", s, err)
			}
			return
		}
		if want := strings.Replace(s, "+", "_", 1); v.tag() != want {
			t.Fatalf("parseVersionTag(%q).tag() = %q, want %q", s, v.tag(), want)
		}
		back, ok := parseRegistryTag(v.tag())
		if !ok || back.tag() != v.tag() || back.sv.Compare(v.sv) != 0 {
			t.Fatalf("registry tag %q does not read back as %q", v.tag(), s)
		}
		d := v.dirty()
		release := version{sv: semverOf(t, v.sv.Major(), v.sv.Minor(), v.sv.Patch())}
		if d.sv.Compare(release.sv) >= 0 || d.sv.Compare(v.sv) == 0 || !strings.HasSuffix(d.sv.Prerelease(), "dirty") {
			t.Fatalf("dirty %s is not a pre-release of %s other than %s", d.sv, release.sv, v.sv)
		}
		if dd, ok := parseRegistryTag(d.tag()); !ok || dd.sv.Compare(d.sv) != 0 {
			t.Fatalf("dirty tag %q does not read back", d.tag())
		}
		for _, part := range []string{"patch", "minor", "major"} {
			next, err := bump([]string{v.tag()}, part)
			if err != nil {
				if !errors.Is(err, ErrBump) {
					t.Fatalf("bump(%q, %s): %v", s, part, err)
				}
				continue
			}
			if next.sv.Prerelease() != "" || next.sv.Metadata() != "" || next.prefix != v.prefix && v.sv.Prerelease() == "" {
				t.Fatalf("bump(%q, %s) = %q", s, part, next.tag())
			}
			if v.sv.Prerelease() == "" && next.sv.Compare(v.sv) <= 0 {
				t.Fatalf("bump(%q, %s) = %q is not higher", s, part, next.tag())
			}
		}
	})
}

func FuzzSourceURL(f *testing.F) {
	for _, s := range []string{
		"https://tok:SECRET@github.com/o/r.git", "git@github.com:o/r.git", "ssh://git@h:22/r", "/local/path",
		"user:SECRET@host:o/r", "https://h/r?token=SECRET#frag", "file:///x", "git+ssh://[::1]/r",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := sourceURL(s)
		if got == "" {
			return
		}
		u, err := url.Parse(got)
		if err != nil || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Host == "" {
			t.Fatalf("sourceURL(%q) = %q: want a URL with a host and no credentials, query or fragment", s, got)
		}
		if strings.Count(got, "SECRET") > strings.Count(u.Host, "SECRET")+strings.Count(u.Path, "SECRET") {
			t.Fatalf("sourceURL(%q) = %q leaks a credential", s, got)
		}
	})
}

// semverOf is the release version major.minor.patch.
func semverOf(t *testing.T, major, minor, patch uint64) *semver.Version {
	t.Helper()
	return semver.New(major, minor, patch, "", "")
}
