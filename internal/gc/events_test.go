package gc

import (
	"context"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/meta"
)

func TestRetentionPublishesItsDeletes(t *testing.T) {
	bus := events.NewBus()
	sub := bus.Subscribe(16)
	defer sub.Close()
	e := newEnv(t, time.Minute, Config{Retention: []meta.RetentionRule{{Repos: "**", Tags: "build-*", Keep: 1}}, Events: bus})
	want := map[string]string{}
	for i := range 3 {
		img, _ := random.Image(512, 1)
		tag := fmt.Sprintf("build-%d", i)
		if err := remote.Write(e.ref(t, "app:"+tag), img); err != nil {
			t.Fatal(err)
		}
		d, _ := img.Digest()
		want[tag] = d.String()
		time.Sleep(5 * time.Millisecond) // distinct push times
	}
	if _, err := e.col.Run(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	if _, err := e.col.Run(context.Background(), false); err != nil {
		t.Fatal(err)
	}
	var got []string
	for len(got) < 2 {
		select {
		case ev := <-sub.C:
			if ev.Action != events.ActionDelete || ev.Repository != "app" || ev.Actor != "retention" || ev.ID == "" || ev.Digest != want[ev.Tag] {
				t.Fatalf("event %+v, want the delete of a build tag of app by retention", ev)
			}
			got = append(got, ev.Tag)
		case <-time.After(time.Second):
			t.Fatalf("published deletes %v, want build-0 and build-1", got)
		}
	}
	sort.Strings(got)
	if fmt.Sprint(got) != "[build-0 build-1]" {
		t.Fatalf("published deletes %v, want build-0 and build-1 (and none for the dry run)", got)
	}
	select {
	case ev := <-sub.C:
		t.Fatalf("one more event %+v", ev)
	default:
	}
}
