package githook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// formPayload returns the JSON payload of a verified body: the body
// itself, or the payload field of a form for senders that may send one.
func formPayload(h http.Header, s sender, body []byte) ([]byte, error) {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	if !s.form || mt != "application/x-www-form-urlencoded" {
		return body, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: reading the form: %v", ErrPayload, err)
	}
	if !form.Has("payload") {
		return nil, fmt.Errorf("%w: the form has no payload field", ErrPayload)
	}
	return []byte(form.Get("payload")), nil
}

// repository is the part of GitHub's and Gitea's payloads that names
// the repository.
type repository struct {
	FullName string `json:"full_name"`
	CloneURL string `json:"clone_url"`
	HTMLURL  string `json:"html_url"`
}

func (r repository) name() string { return first(r.CloneURL, r.HTMLURL, r.FullName) }

// hubPush is a push as GitHub and Gitea word it.
type hubPush struct {
	Ref        string     `json:"ref"`
	After      string     `json:"after"`
	Deleted    bool       `json:"deleted"`
	Repository repository `json:"repository"`
}

func parseGitHub(event string, body []byte) (Push, error) {
	if event != "push" {
		return Push{}, fmt.Errorf("%w: GitHub event %q", ErrNotPush, clip(event))
	}
	return parseHub(body)
}

func parseGitea(event string, body []byte) (Push, error) {
	if event != "push" {
		return Push{}, fmt.Errorf("%w: Gitea event %q", ErrNotPush, clip(event))
	}
	return parseHub(body)
}

func parseHub(body []byte) (Push, error) {
	var p hubPush
	if err := decode(body, &p); err != nil {
		return Push{}, err
	}
	commit := p.After
	if p.Deleted {
		commit = ""
	}
	return newPush(p.Ref, commit, p.Repository.name(), true)
}

// labPush is a push as GitLab words it, in a project's hook and in a
// system hook.
type labPush struct {
	ObjectKind  string  `json:"object_kind"`
	Ref         string  `json:"ref"`
	After       string  `json:"after"`
	CheckoutSHA *string `json:"checkout_sha"`
	Project     struct {
		PathWithNamespace string `json:"path_with_namespace"`
		GitHTTPURL        string `json:"git_http_url"`
		WebURL            string `json:"web_url"`
	} `json:"project"`
	Repository struct {
		GitHTTPURL string `json:"git_http_url"`
		Homepage   string `json:"homepage"`
	} `json:"repository"`
}

func parseGitLab(event string, body []byte) (Push, error) {
	switch event {
	case "Push Hook", "Tag Push Hook", "System Hook":
	default:
		return Push{}, fmt.Errorf("%w: GitLab event %q", ErrNotPush, clip(event))
	}
	var p labPush
	if err := decode(body, &p); err != nil {
		return Push{}, err
	}
	if p.ObjectKind != "push" && p.ObjectKind != "tag_push" {
		return Push{}, fmt.Errorf("%w: GitLab %s of kind %q", ErrNotPush, event, clip(p.ObjectKind))
	}
	// checkout_sha is the tip, null when the ref was deleted.
	commit := ""
	if p.CheckoutSHA != nil {
		commit = *p.CheckoutSHA
	} else if p.ObjectKind == "push" && !isZero(p.After) {
		commit = p.After
	}
	repo := first(p.Project.GitHTTPURL, p.Repository.GitHTTPURL, p.Project.WebURL, p.Repository.Homepage, p.Project.PathWithNamespace)
	return newPush(p.Ref, commit, repo, true)
}

// genericPush is what a generic sender may say; every field is optional.
type genericPush struct {
	Ref        string `json:"ref"`
	After      string `json:"after"`
	Repository string `json:"repository"`
}

func parseGeneric(_ string, body []byte) (Push, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return Push{}, nil
	}
	var p genericPush
	if err := decode(body, &p); err != nil {
		return Push{}, err
	}
	ref := p.Ref
	if ref != "" && !strings.HasPrefix(ref, "refs/") {
		ref = "refs/heads/" + ref
	}
	return newPush(ref, p.After, p.Repository, false)
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: %v", ErrPayload, err)
	}
	return nil
}

// newPush checks what a payload said and makes a Push of it.
func newPush(ref, commit, repo string, refRequired bool) (Push, error) {
	if ref == "" && refRequired || ref != "" && !validRef(ref) {
		return Push{}, fmt.Errorf("%w: ref %q", ErrPayload, clip(ref))
	}
	commit = strings.ToLower(commit)
	if isZero(commit) {
		commit = "" // the ref was deleted
	}
	if commit != "" && !validCommit(commit) {
		return Push{}, fmt.Errorf("%w: commit %q", ErrPayload, clip(commit))
	}
	branch, _ := strings.CutPrefix(ref, "refs/heads/")
	if branch == ref {
		branch = ""
	}
	return Push{Ref: ref, Branch: branch, Commit: commit, Repo: clip(repo)}, nil
}

// validRef accepts a full ref name git could have sent.
func validRef(ref string) bool {
	if !strings.HasPrefix(ref, "refs/") || len(ref) > 1024 || strings.Contains(ref, "..") ||
		strings.HasSuffix(ref, "/") || strings.Contains(ref, "//") {
		return false
	}
	return !strings.ContainsFunc(ref, func(r rune) bool {
		return r < 0x20 || r == 0x7f || strings.ContainsRune(" ~^:?*[\\", r)
	})
}

// validCommit accepts a SHA-1 or SHA-256 object name in lower-case hex.
func validCommit(c string) bool {
	if len(c) != 40 && len(c) != 64 {
		return false
	}
	return !strings.ContainsFunc(c, func(r rune) bool { return (r < '0' || r > '9') && (r < 'a' || r > 'f') })
}

func isZero(c string) bool { return c != "" && strings.Trim(c, "0") == "" }

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// clip keeps a value from a payload short and on one line, for errors
// and logs.
func clip(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
	if len(s) > 200 {
		s = strings.ToValidUTF8(s[:200], "") + "…"
	}
	return s
}
