package release

import (
	"errors"
	"testing"
)

func TestBump(t *testing.T) {
	tests := []struct {
		name     string
		part     string
		existing []string
		want     string
	}{
		{"minor is numeric, not lexical", "minor", []string{"v1.2.3", "v1.10.0", "v1.9.9"}, "v1.11.0"},
		{"patch", "patch", []string{"v1.2.3", "v1.10.0"}, "v1.10.1"},
		{"major", "major", []string{"v1.2.3", "v1.10.0"}, "v2.0.0"},
		{"patch from nothing", "patch", nil, "v0.0.1"},
		{"minor from nothing", "minor", nil, "v0.1.0"},
		{"major from nothing", "major", nil, "v1.0.0"},
		{"no v prefix is kept", "minor", []string{"1.2.3", "v0.9.0"}, "1.3.0"},
		{"v is preferred on a tie", "patch", []string{"1.2.3", "v1.2.3"}, "v1.2.4"},
		{"pre-releases are not the base", "minor", []string{"v1.2.3", "v2.0.0-rc.1", "v1.3.0-beta"}, "v1.3.0"},
		{"build metadata after _ counts", "patch", []string{"v1.4.0_linux", "v1.3.0"}, "v1.4.1"},
		{"tags that are not versions are passed over", "patch", []string{"latest", "build-abc", "v1.2", "v9", "V3.0.0", "v01.0.0"}, "v0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := bump(tt.existing, tt.part)
			if err != nil || v.tag() != tt.want {
				t.Errorf("bump(%q, %s) = %v, %v; want %s", tt.existing, tt.part, v.sv, err, tt.want)
			}
		})
	}
	t.Run("an unknown part is refused", func(t *testing.T) {
		if _, err := bump(nil, "micro"); !errors.Is(err, ErrBump) {
			t.Errorf("err = %v, want ErrBump", err)
		}
	})
	t.Run("overflowing a number is refused", func(t *testing.T) {
		if _, err := bump([]string{"v1.18446744073709551615.0"}, "minor"); !errors.Is(err, ErrBump) {
			t.Errorf("err = %v, want ErrBump", err)
		}
	})
}

func TestParseVersionTag(t *testing.T) {
	tests := []struct {
		tag      string
		version  bool
		err      bool
		wantTag  string
		wantSemv string
	}{
		{tag: "v1.2.3", version: true, wantTag: "v1.2.3", wantSemv: "1.2.3"},
		{tag: "1.2.3", version: true, wantTag: "1.2.3", wantSemv: "1.2.3"},
		{tag: "v1.2.3-rc.1+build.5", version: true, wantTag: "v1.2.3-rc.1_build.5", wantSemv: "1.2.3-rc.1+build.5"},
		{tag: "v0.0.0", version: true, wantTag: "v0.0.0", wantSemv: "0.0.0"},
		{tag: "v1.2", version: true, err: true},
		{tag: "v01.2.3", version: true, err: true},
		{tag: "v1.02.3", version: true, err: true},
		{tag: "v1.2.3-01", version: true, err: true},
		{tag: "v1.2.3+", version: true, err: true},
		{tag: "V1.2.3", version: true, err: true},
		{tag: "1.2.3.4", version: true, err: true},
		{tag: "v1"},
		{tag: "vv1.2.3"},
		{tag: "release-1.2.3"},
		{tag: ""},
	}
	for _, tt := range tests {
		t.Run(tt.tag, func(t *testing.T) {
			v, ok, err := parseVersionTag(tt.tag)
			if ok != tt.version || (err != nil) != tt.err {
				t.Fatalf("parseVersionTag(%q) = %v, %v; want version %v, error %v", tt.tag, ok, err, tt.version, tt.err)
			}
			if err != nil && !errors.Is(err, ErrReleaseTag) {
				t.Errorf("err = %v, want ErrReleaseTag", err)
			}
			if ok && err == nil && (v.tag() != tt.wantTag || v.sv.String() != tt.wantSemv) {
				t.Errorf("tag %q version %q, want %q and %q", v.tag(), v.sv, tt.wantTag, tt.wantSemv)
			}
		})
	}
}
