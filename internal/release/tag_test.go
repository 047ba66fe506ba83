package release

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/reference"
)

func TestCheckFloating(t *testing.T) {
	for _, tag := range []string{"latest", "LATEST", "Main", "master", "stable", "edge", "dev", "nightly", "prod", "production", "staging", "release", "current", "next", "head", "canary"} {
		err := CheckFloating(tag, false)
		if !errors.Is(err, ErrFloating) || !strings.Contains(err.Error(), "--allow-floating") || !strings.Contains(err.Error(), "rollback") {
			t.Errorf("CheckFloating(%q, false) = %v, want ErrFloating explaining why", tag, err)
		}
		if err := CheckFloating(tag, true); err != nil {
			t.Errorf("CheckFloating(%q, true) = %v, want nil", tag, err)
		}
	}
	for _, tag := range []string{"v1.2.3", "build-abc", "latest-abc", "main-1a2b3c4", "v1"} {
		if err := CheckFloating(tag, false); err != nil {
			t.Errorf("CheckFloating(%q, false) = %v, want nil", tag, err)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tag := range []string{"v1.2.3", "build-0123", "_x", "A." + strings.Repeat("a", 126)} {
		if err := Validate(tag); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", tag, err)
		}
	}
	for _, tag := range []string{"", "-x", ".x", "a/b", "v1.2.3+m", "a:b", strings.Repeat("a", 129)} {
		if err := Validate(tag); !errors.Is(err, reference.ErrTagInvalid) {
			t.Errorf("Validate(%q) = %v, want ErrTagInvalid", tag, err)
		}
	}
}

func TestLabels(t *testing.T) {
	r := Result{
		Tag: "v1.2.3", Version: "1.2.3", Commit: strings.Repeat("a", 40), Source: "https://github.com/o/r",
		Created: time.Date(2024, 3, 5, 6, 7, 8, 0, time.FixedZone("CET", 3600)),
	}
	got := Labels(r)
	want := map[string]string{
		LabelRevision: r.Commit, LabelVersion: "1.2.3", LabelSource: "https://github.com/o/r", LabelCreated: "2024-03-05T05:07:08Z",
	}
	if len(got) != len(want) {
		t.Errorf("Labels = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("label %s = %q, want %q", k, got[k], v)
		}
	}
	if got := Labels(Result{Commit: "c"}); len(got) != 1 {
		t.Errorf("Labels of a bare result = %v, want only the revision", got)
	}
}
