package publish_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/berth-dev/berth/internal/publish"
)

func TestCheckPush(t *testing.T) {
	const token = "berth_robot_0123456789"
	reg := robotRegistry(t, token)
	auth := &authn.Basic{Username: "ci", Password: token}
	repo := func(s string) name.Repository {
		r, err := name.NewRepository(reg.host + "/" + s)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Run("a repository the robot may push to passes", func(t *testing.T) {
		if err := publish.CheckPush(context.Background(), repo("ci/app"), publish.Options{Auth: auth}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a repository outside its grants is refused before anything is pushed", func(t *testing.T) {
		reg.take()
		err := publish.CheckPush(context.Background(), repo("team/app"), publish.Options{Auth: auth})
		var denied *publish.PushDenied
		if !errors.Is(err, publish.ErrNoPush) || !errors.As(err, &denied) || denied.Repository != "team/app" {
			t.Fatalf("CheckPush = %v, want a refusal to push to team/app", err)
		}
		if reqs := reg.take(); count(reqs, "PUT", "/") > 0 || count(reqs, "PATCH", "/") > 0 {
			t.Fatalf("the check wrote: %v", reqs)
		}
	})
}

func TestRevisionReadsTheCommitLabel(t *testing.T) {
	reg := startRegistry(t, registryOptions{})
	const commit = "0123456789abcdef0123456789abcdef01234567"
	opts := publish.Options{Labels: map[string]string{"org.opencontainers.image.revision": commit}}
	if _, err := publish.Push(context.Background(), randomImage(t), reg.host+"/shop/web:v1.0.0", opts); err != nil {
		t.Fatal(err)
	}
	if _, err := publish.Push(context.Background(), randomImage(t), reg.host+"/shop/web:v0.9.0", publish.Options{}); err != nil {
		t.Fatal(err)
	}
	for tag, want := range map[string]string{"v1.0.0": commit, "v0.9.0": ""} {
		ref, _ := name.ParseReference(reg.host + "/shop/web:" + tag)
		if got, err := publish.Revision(context.Background(), ref, publish.Options{}); err != nil || got != want {
			t.Errorf("Revision(%s) = %q, %v; want %q", tag, got, err, want)
		}
	}
}
