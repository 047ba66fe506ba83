package docker_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/filters"
	"github.com/docker/docker/client"

	"github.com/berth-dev/berth/internal/driver"
	"github.com/berth-dev/berth/internal/driver/docker"
)

func dockerClient(t testing.TB) *client.Client {
	t.Helper()
	c, err := client.NewClientWithOpts(client.FromEnv, client.WithAPIVersionNegotiation())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// listRuns lists the containers of app that carry driver.LabelRun.
func listRuns(c *client.Client, app string) ([]container.Summary, error) {
	return c.ContainerList(context.Background(), container.ListOptions{All: true, Filters: filters.NewArgs(
		filters.Arg("label", driver.LabelRun), filters.Arg("label", driver.LabelApp+"="+app))})
}

func runsOf(t testing.TB, c *client.Client, app string) []container.Summary {
	t.Helper()
	found, err := listRuns(c, app)
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestARunIsLabelledOnTheHostsNetworkAndRemoved(t *testing.T) {
	e := newTestEnv(t)
	d := e.newDriver(t)
	c := dockerClient(t)
	app := "run-" + randomHex(t)
	seen := make(chan container.InspectResponse, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if runs, err := listRuns(c, app); err == nil && len(runs) == 1 {
			if got, err := c.ContainerInspect(r.Context(), runs[0].ID); err == nil {
				seen <- got
			}
		}
		w.Write([]byte("ok\n"))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	res, err := d.Run(ctx(t), driver.RunSpec{
		App: app, Service: "web", Revision: 7, Image: e.image(t, "v1"), PullPolicy: driver.PullMissing,
		Command: []string{"-probe"}, Env: []string{"BERTH_TARGET_URL=http://shop-preview.test:" + port + "/"},
		Hosts: map[string]string{"shop-preview.test": "127.0.0.1"},
	})
	if err != nil || res.ExitCode != 0 {
		t.Fatalf("Run = exit %d, %v; output:\n%s", res.ExitCode, err, res.Output)
	}
	var got container.InspectResponse
	select {
	case got = <-seen:
	default:
		t.Fatalf("the run was not found while it ran; output:\n%s", res.Output)
	}
	if mode := got.HostConfig.NetworkMode; mode != "host" {
		t.Errorf("network mode %q, want host", mode)
	}
	if !slices.Contains(got.HostConfig.ExtraHosts, "shop-preview.test:127.0.0.1") {
		t.Errorf("extra hosts %q lack shop-preview.test:127.0.0.1", got.HostConfig.ExtraHosts)
	}
	want := map[string]string{
		driver.LabelManaged: "1", driver.LabelApp: app, driver.LabelService: "web", driver.LabelRevision: "7",
		driver.LabelRun: driver.RunVerify, driver.LabelInstance: e.instance, "berth.test": "1",
	}
	for k, v := range want {
		if got.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Config.Labels[k], v)
		}
	}
	if left := runsOf(t, c, app); len(left) > 0 {
		t.Errorf("the run's container is left: %s", left[0].Names)
	}
}

func TestSweepRunsRemovesTheRunsLeftOfItsOwn(t *testing.T) {
	e := newTestEnv(t)
	d := e.newDriver(t)
	c := dockerClient(t)
	app := "run-" + randomHex(t)
	image := e.image(t, "v1")
	if err := d.Pull(ctx(t), image, driver.PullMissing); err != nil {
		t.Fatal(err)
	}
	// What a berth that stopped mid-run leaves: a run of its own, and a
	// run of another instance sharing the daemon, which is not its own.
	create := func(instance string) string {
		t.Helper()
		labels := map[string]string{
			driver.LabelManaged: "1", driver.LabelApp: app, driver.LabelService: "web",
			driver.LabelRun: driver.RunVerify, driver.LabelInstance: instance,
			"berth.test": "1", "berth.test.run": e.labels["berth.test.run"],
		}
		created, err := c.ContainerCreate(ctx(t), &container.Config{Image: image, Labels: labels}, &container.HostConfig{NetworkMode: "host"}, nil, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.ContainerRemove(context.Background(), created.ID, container.RemoveOptions{Force: true}) })
		return created.ID
	}
	mine, other := create(e.instance), create(e.instance+"x")
	if insts, err := d.List(ctx(t), app); err != nil || len(insts) != 0 {
		t.Fatalf("List = %v, %v; want no replica: a run is none", insts, err)
	}
	if err := d.SweepRuns(ctx(t)); err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, s := range runsOf(t, c, app) {
		left = append(left, s.ID)
	}
	if slices.Contains(left, mine) || !slices.Contains(left, other) {
		t.Fatalf("after SweepRuns the runs left are %q; want only the other instance's %s", left, other)
	}
}

var _ driver.Runner = (*docker.Driver)(nil)
