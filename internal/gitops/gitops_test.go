package gitops

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/gitsource"
	"github.com/berth-dev/berth/internal/spec"
)

func TestConditionsMoveOnlyWhenTheyChange(t *testing.T) {
	v := newView()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if !v.set(condReady, true, "Applied", "applied a", t0) {
		t.Fatal("a first condition is a change")
	}
	if v.set(condReady, true, "Applied", "applied a", t0.Add(time.Minute)) {
		t.Fatal("the same condition again is not a change")
	}
	if !v.set(condReady, true, "Applied", "applied b", t0.Add(2*time.Minute)) {
		t.Fatal("a new message is a change")
	}
	if got := v.conds[condReady].Since; !got.Equal(t0) {
		t.Fatalf("Since moved to %v while the status stayed true", got)
	}
	v.set(condReady, false, "FetchFailed", "down", t0.Add(3*time.Minute))
	if got := v.conds[condReady].Since; !got.Equal(t0.Add(3 * time.Minute)) {
		t.Fatalf("Since %v, want the time the status turned", got)
	}
}

func TestUpdateMessageListsEveryImage(t *testing.T) {
	one := updateMessage([]update{{app: "shop", service: "web", oldTag: "1.4.2", oldDigest: "sha256:aa", newTag: "1.5.0", newDigest: "sha256:bb"}})
	for _, want := range []string{"Update shop/web to 1.5.0", "shop/web: 1.4.2 (sha256:aa) -> 1.5.0 (sha256:bb)"} {
		if !strings.Contains(one, want) {
			t.Errorf("message %q lacks %q", one, want)
		}
	}
	two := updateMessage([]update{
		{app: "shop", service: "web", newTag: "2", newDigest: "sha256:cc"},
		{app: "blog", service: "api", oldTag: "1", oldDigest: "sha256:dd", newTag: "3", newDigest: "sha256:ee"},
	})
	for _, want := range []string{"Update 2 images", "shop/web: none (none) -> 2 (sha256:cc)", "blog/api: 1 (sha256:dd) -> 3 (sha256:ee)"} {
		if !strings.Contains(two, want) {
			t.Errorf("message %q lacks %q", two, want)
		}
	}
}

func TestImageOfPinsTheTagByDigest(t *testing.T) {
	const d = "sha256:0123456789012345678901234567890123456789012345678901234567890123"
	for _, c := range []struct{ ref, want string }{
		{"127.0.0.1:5000/shop/web:1.4.2", "127.0.0.1:5000/shop/web:1.4.2@" + d},
		{"127.0.0.1:5000/shop/web:1.4.2@sha256:" + strings.Repeat("f", 64), "127.0.0.1:5000/shop/web:1.4.2@" + d},
		{"shop/web", "shop/web@" + d},
	} {
		if got := imageOf(deploy.ServiceImage{Ref: c.ref, Digest: d}); got != c.want {
			t.Errorf("imageOf(%s) = %s, want %s", c.ref, got, c.want)
		}
	}
}

func TestInputsDigestCoversWhatAnAppIsReadFrom(t *testing.T) {
	base := spec.Input{Name: "a/compose.yaml", Data: []byte("services: {}"), Env: map[string]string{"A": "1", "B": "2"},
		Files: map[string][]byte{"x.env": []byte("X=1")}}
	same := spec.Input{Name: "a/compose.yaml", Data: []byte("services: {}"), Env: map[string]string{"B": "2", "A": "1"},
		Files: map[string][]byte{"x.env": []byte("X=1")}}
	if inputsDigest(base) != inputsDigest(same) {
		t.Fatal("the same inputs in another map order digest differently")
	}
	for name, in := range map[string]spec.Input{
		"file":     {Name: "b/compose.yaml", Data: base.Data, Env: base.Env, Files: base.Files},
		"data":     {Name: base.Name, Data: []byte("services: {a: {}}"), Env: base.Env, Files: base.Files},
		"variable": {Name: base.Name, Data: base.Data, Env: map[string]string{"A": "1", "B": "3"}, Files: base.Files},
		"a file":   {Name: base.Name, Data: base.Data, Env: base.Env, Files: map[string][]byte{"x.env": []byte("X=2")}},
		"boundary": {Name: base.Name, Data: base.Data, Env: map[string]string{"A": "12", "B": ""}, Files: base.Files},
	} {
		if inputsDigest(in) == inputsDigest(base) {
			t.Errorf("a change of %s leaves the digest as it was", name)
		}
	}
}

func TestWhatCountsAsAComposeFile(t *testing.T) {
	for data, want := range map[string]bool{
		"services:\n  web: {image: x:1}\n": true,
		"name: a\nservices: {}\n":          true,
		"services: [\n":                    true, // broken: the spec parser says where
		"title: notes\n":                   false,
		"- a\n- b\n":                       true, // not a mapping: the parser says so
		"on: push\njobs: {}\n":             false,
	} {
		if got := looksLikeCompose([]byte(data)); got != want {
			t.Errorf("looksLikeCompose(%q) = %v, want %v", data, got, want)
		}
	}
	if appDir(".", "config") != "config" || appDir("apps/shop", "config") != "shop" {
		t.Error("appDir names an app after the wrong directory")
	}
}

func TestRetryableFailures(t *testing.T) {
	for err, want := range map[error]bool{
		fmt.Errorf("x: %w", gitsource.ErrUnreachable): true,
		fmt.Errorf("x: %w", gitsource.ErrConflict):    true,
		fmt.Errorf("x: %w", gitsource.ErrAuth):        false,
		errors.New("other"):                           false,
	} {
		if got := retryable(err); got != want {
			t.Errorf("retryable(%v) = %v, want %v", err, got, want)
		}
	}
}

func TestStateKeepsWhatGitSyncMustRemember(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gitops.db")
	st, err := openState(path)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.putApp("shop", &appState{Source: "config", File: "shop/compose.yaml", Applied: &applied{Commit: "abc", Revision: 3}}))
	must(st.reject("shop", "web", "sha256:bad", rejection{Revision: 4, Reason: "rolled back"}))
	must(st.reject("shopfront", "web", "sha256:bad", rejection{Revision: 1}))
	must(put(st, bucketRestores, "shop", restore{Source: "config", From: 4, To: 3}))
	must(st.setSuspended("config", "shop", true))
	must(st.close())

	st, err = openState(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	a, err := st.app("shop")
	if err != nil || a == nil || a.Applied.Revision != 3 || a.File != "shop/compose.yaml" {
		t.Fatalf("app after reopening: %+v %v", a, err)
	}
	if no, err := st.rejected("shop", "web", "sha256:bad"); err != nil || !no {
		t.Fatalf("the rejection was lost: %v %v", no, err)
	}
	if on, err := st.suspended("config", "shop"); err != nil || !on {
		t.Fatalf("the suspension was lost: %v %v", on, err)
	}
	if on, _ := st.suspended("config", ""); on {
		t.Fatal("suspending an app suspended its source")
	}
	must(st.forget("shop"))
	if a, _ := st.app("shop"); a != nil {
		t.Fatal("forget left the app")
	}
	if no, _ := st.rejected("shop", "web", "sha256:bad"); no {
		t.Fatal("forget left the app's rejections")
	}
	if r, _ := get[restore](st, bucketRestores, "shop"); r != nil {
		t.Fatal("forget left the app's restore")
	}
	if no, _ := st.rejected("shopfront", "web", "sha256:bad"); !no {
		t.Fatal("forget of shop dropped the rejections of shopfront")
	}
}
