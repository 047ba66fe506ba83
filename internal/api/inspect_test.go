package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/driver"
)

func (d *recordingDeployer) Inspect(_ context.Context, app, service string) ([]deploy.ContainerDetail, error) {
	d.got = append(d.got, "inspect "+app+"/"+service)
	return []deploy.ContainerDetail{{Name: "berth-" + app + "-" + service, Runtime: driver.Runtime{User: "1000", ReadOnly: true,
		Files: []driver.File{{Target: "/run/secrets/pw", Mode: 0o400, Secret: true}}}}}, d.fail
}

func TestInspectShowsTheRuntimeOfAServicesContainers(t *testing.T) {
	d := &recordingDeployer{}
	srv := newDeployServer(t, d)
	var got []deploy.ContainerDetail
	if code := call(t, http.MethodGet, srv.URL+"/api/apps/shop/services/db", "Bearer admin", &got); code != http.StatusOK {
		t.Fatalf("GET .../services/db: %d", code)
	}
	if len(got) != 1 || got[0].Runtime.User != "1000" || !got[0].Runtime.ReadOnly || got[0].Runtime.Files[0].Target != "/run/secrets/pw" {
		t.Fatalf("inspect answered %+v", got)
	}
	if len(d.got) != 1 || d.got[0] != "inspect shop/db" {
		t.Fatalf("calls: %v", d.got)
	}
}
