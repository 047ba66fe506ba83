package release

import (
	"errors"
	"testing"
)

func TestComputeDetachedHead(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"GitHub names the branch", map[string]string{"GITHUB_REF_NAME": "feature/login", "GITHUB_REF_TYPE": "branch"}, "feature/login"},
		{"GitHub names a pull request's source branch", map[string]string{"GITHUB_REF_NAME": "12/merge", "GITHUB_HEAD_REF": "fix/x"}, "fix/x"},
		{"a GitHub tag build has no branch", map[string]string{"GITHUB_REF_NAME": "v1.0.0", "GITHUB_REF_TYPE": "tag"}, ""},
		{"GitLab names the branch", map[string]string{"CI_COMMIT_REF_NAME": "develop"}, "develop"},
		{"a GitLab tag build has no branch", map[string]string{"CI_COMMIT_REF_NAME": "v1.0.0", "CI_COMMIT_TAG": "v1.0.0"}, ""},
		{"Jenkins names the branch", map[string]string{"BRANCH_NAME": "main"}, "main"},
		{"a Jenkins tag build has no branch", map[string]string{"BRANCH_NAME": "v1.0.0", "TAG_NAME": "v1.0.0"}, ""},
		{"no CI has no branch", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newRepo(t)
			r.git("switch", "-q", "--detach")
			got := r.mustCompute(Options{Env: envOf(tt.env)})
			if got.Branch != tt.want {
				t.Errorf("branch = %q, want %q", got.Branch, tt.want)
			}
		})
	}

	t.Run("{branch} comes from GITHUB_REF_NAME", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("switch", "-q", "--detach")
		got := r.mustCompute(Options{Format: "{branch}-{shortsha}", Env: envOf(map[string]string{"GITHUB_REF_NAME": "feature/x"})})
		if want := "feature-x-" + got.ShortCommit; got.Tag != want {
			t.Errorf("tag = %q, want %q", got.Tag, want)
		}
	})
	t.Run("{branch} without a branch is an error", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		r.git("switch", "-q", "--detach")
		if _, err := r.compute(Options{Format: "{branch}-{shortsha}"}); !errors.Is(err, ErrFormat) {
			t.Errorf("err = %v, want ErrFormat", err)
		}
	})
	t.Run("an attached HEAD ignores CI variables", func(t *testing.T) {
		t.Parallel()
		r := newRepo(t)
		got := r.mustCompute(Options{Env: envOf(map[string]string{"GITHUB_REF_NAME": "other"})})
		if got.Branch != "main" {
			t.Errorf("branch = %q, want main", got.Branch)
		}
	})
}
