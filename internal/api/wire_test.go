package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/deploy"
)

// secretDeployer answers with revisions that carry secret values.
type secretDeployer struct{ recordingDeployer }

func secretRevision(app string, n int) deploy.Revision {
	return deploy.Revision{App: app, Number: n, Spec: []byte("name: shop\n"), Outcome: deploy.OutcomeSucceeded,
		Env:   map[string]string{"DB_PASSWORD": "env-secret-value"},
		Files: map[string][]byte{"./db_password.txt": []byte("file-secret-value")}}
}

func (d *secretDeployer) Deploy(context.Context, deploy.Request) (deploy.Revision, error) {
	return secretRevision("shop", 4), nil
}
func (d *secretDeployer) Rollback(_ context.Context, app string, _ int, _ string) (deploy.Revision, error) {
	return secretRevision(app, 5), nil
}
func (d *secretDeployer) History(app string, _ int) ([]deploy.Revision, error) {
	return []deploy.Revision{secretRevision(app, 4)}, nil
}

func TestNoAnswerCarriesTheValuesOfVariablesOrFiles(t *testing.T) {
	d := &secretDeployer{}
	a := New(adminGate{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	a.HandleDeploy(oneEnv{d})
	for _, c := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/apps/deploy", `{"file":"compose.yaml","spec":"name: shop\nservices:\n  web:\n    image: shop/web:v1\n"}`},
		{http.MethodPost, "/api/apps/shop/rollback", ""},
		{http.MethodGet, "/api/apps/shop/revisions", ""},
		{http.MethodGet, "/api/apps/shop/revisions/4/events", ""},
	} {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		req.Header.Set("Authorization", "Bearer admin")
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		a.ServeHTTP(rec, req)
		body := rec.Body.String()
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %s: %d %s", c.method, c.path, rec.Code, body)
		}
		for _, secret := range []string{"env-secret-value", "file-secret-value"} {
			if strings.Contains(body, secret) {
				t.Errorf("%s %s answers the value %q:\n%s", c.method, c.path, secret, body)
			}
		}
		if c.path != "/api/apps/shop/revisions/4/events" || strings.Contains(body, `"revision"`) {
			for _, name := range []string{"DB_PASSWORD", "./db_password.txt"} {
				if !strings.Contains(body, name) {
					t.Errorf("%s %s does not name %q:\n%s", c.method, c.path, name, body)
				}
			}
		}
	}
}
