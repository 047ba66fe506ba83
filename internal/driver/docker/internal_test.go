package docker

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/network"

	"github.com/berth-dev/berth/internal/driver"
)

func TestContainerNameFollowsTheScheme(t *testing.T) {
	spec := driver.ContainerSpec{App: "shop", Service: "web", Set: "green", Revision: 12, Index: 3}
	for _, tc := range []struct {
		name, env string
		want      *regexp.Regexp
	}{
		{"without an environment", "", regexp.MustCompile(`^berth-shop-web-green-r12-3-[0-9a-f]{4}$`)},
		{"with an environment", "production", regexp.MustCompile(`^berth-production-shop-web-green-r12-3-[0-9a-f]{4}$`)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := containerName(tc.env, spec), containerName(tc.env, spec)
			if !tc.want.MatchString(a) {
				t.Fatalf("containerName = %q, want %s", a, tc.want)
			}
			if a == b && containerName(tc.env, spec) == a {
				t.Fatalf("three names in a row were %q: the suffix is not random", a)
			}
		})
	}
}

func TestSecondsRoundsGraceUp(t *testing.T) {
	for _, tc := range []struct {
		name  string
		grace time.Duration
		want  any
	}{
		{"zero keeps the daemon's default", 0, nil},
		{"a negative grace keeps the daemon's default", -time.Second, nil},
		{"a nanosecond is a second", time.Nanosecond, 1},
		{"whole seconds stay", 10 * time.Second, 10},
		{"a second and a half is two", 1500 * time.Millisecond, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got any
			if s := seconds(tc.grace); s != nil {
				got = *s
			}
			if got != tc.want {
				t.Fatalf("seconds(%s) = %v, want %v", tc.grace, got, tc.want)
			}
		})
	}
}

func TestCheckSpecRejectsBadNames(t *testing.T) {
	ok := driver.ContainerSpec{App: "shop", Service: "web", Set: "blue", Image: "r/x@sha256:00"}
	for _, tc := range []struct {
		name   string
		change func(*driver.ContainerSpec)
	}{
		{"an empty app", func(s *driver.ContainerSpec) { s.App = "" }},
		{"an app with a slash", func(s *driver.ContainerSpec) { s.App = "a/b" }},
		{"a service with a space", func(s *driver.ContainerSpec) { s.Service = "a b" }},
		{"a set starting with a dash", func(s *driver.ContainerSpec) { s.Set = "-x" }},
		{"no image", func(s *driver.ContainerSpec) { s.Image = "" }},
		{"a negative index", func(s *driver.ContainerSpec) { s.Index = -1 }},
		{"a port out of range", func(s *driver.ContainerSpec) { s.Port = 70000 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := ok
			tc.change(&spec)
			if err := checkSpec(spec); err == nil {
				t.Fatalf("checkSpec accepted %+v", spec)
			}
		})
	}
	if err := checkSpec(ok); err != nil {
		t.Fatalf("checkSpec(%+v) = %v", ok, err)
	}
}

func TestInstanceReadsLabelsAndState(t *testing.T) {
	labels := map[string]string{
		driver.LabelManaged: "1", driver.LabelApp: "shop", driver.LabelService: "web",
		driver.LabelRevision: "4", driver.LabelSet: "blue", driver.LabelIndex: "2", LabelPort: "8080",
	}
	base := func(state *container.State, ip string) container.InspectResponse {
		return container.InspectResponse{
			ContainerJSONBase: &container.ContainerJSONBase{ID: "abc", Name: "/berth-shop-web-blue-r4-2-beef", State: state},
			Config:            &container.Config{Image: "r/shop@sha256:00", Labels: labels},
			NetworkSettings: &container.NetworkSettings{Networks: map[string]*network.EndpointSettings{
				"berth-shop": {IPAddress: ip},
			}},
		}
	}
	started := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	for _, tc := range []struct {
		name string
		in   container.InspectResponse
		want driver.Instance
	}{
		{
			"a running container has an address",
			base(&container.State{Status: "running", StartedAt: started.Format(time.RFC3339Nano)}, "172.18.0.5"),
			driver.Instance{State: "running", Health: "none", Addr: "172.18.0.5:8080", StartedAt: started},
		},
		{
			"an exited container has its exit code and no address",
			base(&container.State{Status: "exited", ExitCode: 137, StartedAt: started.Format(time.RFC3339Nano)}, ""),
			driver.Instance{State: "exited", Health: "none", ExitCode: 137, StartedAt: started},
		},
		{
			"a container with a healthcheck has its status",
			base(&container.State{Status: "running", Health: &container.Health{Status: "unhealthy"}, StartedAt: started.Format(time.RFC3339Nano)}, "172.18.0.6"),
			driver.Instance{State: "running", Health: "unhealthy", Addr: "172.18.0.6:8080", StartedAt: started},
		},
		{
			"a container never started has no start time",
			base(&container.State{Status: "created", StartedAt: "0001-01-01T00:00:00Z"}, ""),
			driver.Instance{State: "created", Health: "none"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := instance(tc.in)
			want := tc.want
			want.ID, want.Name, want.Image = "abc", "berth-shop-web-blue-r4-2-beef", "r/shop@sha256:00"
			want.App, want.Service, want.Revision, want.Set, want.Index = "shop", "web", 4, "blue", 2
			if got.Labels[driver.LabelApp] != "shop" {
				t.Errorf("Labels = %v", got.Labels)
			}
			got.Labels = nil
			if fmt.Sprint(got) != fmt.Sprint(want) || !got.StartedAt.Equal(want.StartedAt) {
				t.Fatalf("instance =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestDaemonErrorsKeepTheMessage(t *testing.T) {
	daemon := fmt.Errorf("Error response from daemon: No such container: x: %w", cerrdefs.ErrNotFound)
	err := fmt.Errorf("stopping container x: %w", notFound(daemon))
	if !errors.Is(err, driver.ErrNotFound) || !cerrdefs.IsNotFound(err) {
		t.Fatalf("%v is not ErrNotFound", err)
	}
	if want := "stopping container x: " + daemon.Error(); err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
	if other := errors.New("boom"); notFound(other) != other {
		t.Fatal("notFound changed an error that is not a not-found")
	}
}

func TestRunningOutOfSubnetsSaysWhatToDo(t *testing.T) {
	daemon := errors.New("Error response from daemon: could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
	err := networkCreateError("berth-shop", daemon)
	if !errors.Is(err, daemon) || !strings.Contains(err.Error(), "default-address-pools") {
		t.Fatalf("%v: want the daemon's error and how to get more pools", err)
	}
	other := errors.New("permission denied")
	if err := networkCreateError("berth-shop", other); strings.Contains(err.Error(), "default-address-pools") {
		t.Fatalf("%v: a hint about pools for another failure", err)
	}
}
