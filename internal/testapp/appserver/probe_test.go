package appserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Write([]byte("v2\n"))
		case "/ready":
			w.Write([]byte("all systems go"))
		default:
			http.Error(w, "nothing at "+r.URL.Path, http.StatusNotFound)
		}
	}))
	defer srv.Close()
	tests := []struct {
		name string
		vars map[string]string
		want int
		out  []string
	}{
		{"200 passes", map[string]string{"BERTH_TARGET_URL": srv.URL + "/"}, 0, []string{"GET " + srv.URL + "/: 200 OK", "v2", "PASS"}},
		{"a path is resolved against the target", map[string]string{"BERTH_TARGET_URL": srv.URL + "/", "PROBE_PATH": "/ready"}, 0, []string{"GET " + srv.URL + "/ready: 200 OK", "all systems go\n"}},
		{"a body with the text expected passes", map[string]string{"BERTH_TARGET_URL": srv.URL, "EXPECT_BODY": "v2"}, 0, []string{"PASS"}},
		{"a body without the text expected fails", map[string]string{"BERTH_TARGET_URL": srv.URL, "EXPECT_BODY": "v3"}, 1, []string{"v2", `FAIL: the body does not contain "v3"`}},
		{"another status fails", map[string]string{"BERTH_TARGET_URL": srv.URL, "PROBE_PATH": "nope"}, 1, []string{"404 Not Found", "nothing at /nope", "FAIL: want 200 OK"}},
		{"a target that does not answer fails", map[string]string{"BERTH_TARGET_URL": "http://127.0.0.1:1/"}, 1, []string{"GET http://127.0.0.1:1/:", "refused"}},
		{"no target is a usage error", map[string]string{}, 2, []string{"BERTH_TARGET_URL is not set"}},
		{"a bad timeout is a usage error", map[string]string{"BERTH_TARGET_URL": srv.URL, "PROBE_TIMEOUT": "soon"}, 2, []string{`PROBE_TIMEOUT="soon"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			got := Probe(context.Background(), env(tt.vars), srv.Client(), &out)
			if got != tt.want {
				t.Errorf("Probe = %d, want %d; it printed:\n%s", got, tt.want, out.String())
			}
			for _, s := range tt.out {
				if !strings.Contains(out.String(), s) {
					t.Errorf("the output lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}
