package release

// ciBranch is the branch CI says it builds, for a detached HEAD (CI
// systems check out the commit, not the branch). A tag build names no
// branch.
//
//   - GitHub Actions: GITHUB_HEAD_REF (a pull request's source branch),
//     else GITHUB_REF_NAME unless GITHUB_REF_TYPE is tag;
//   - GitLab CI: CI_COMMIT_REF_NAME unless CI_COMMIT_TAG is set;
//   - Jenkins: BRANCH_NAME unless it is TAG_NAME.
func ciBranch(env func(string) string) string {
	if b := env("GITHUB_HEAD_REF"); b != "" {
		return b
	}
	if b := env("GITHUB_REF_NAME"); b != "" && env("GITHUB_REF_TYPE") != "tag" {
		return b
	}
	if b := env("CI_COMMIT_REF_NAME"); b != "" && env("CI_COMMIT_TAG") == "" {
		return b
	}
	if b := env("BRANCH_NAME"); b != "" && b != env("TAG_NAME") {
		return b
	}
	return ""
}
