package registry_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAFailingDiskAnswersWithoutServerPaths(t *testing.T) {
	reg := startRegistry(t)
	// Without its uploads directory the blob store cannot start an upload,
	// and the error it returns names the file it tried to create.
	if err := os.RemoveAll(filepath.Join(reg.dir, "uploads")); err != nil {
		t.Fatal(err)
	}
	res := reg.do(http.MethodPost, "/v2/app/blobs/uploads/", map[string]string{"X-Request-Id": "pipeline-7"}, nil)
	if res.status != http.StatusInternalServerError || res.code() != "UNKNOWN" {
		t.Fatalf("got %d %s: %s", res.status, res.code(), res.body)
	}
	if strings.Contains(string(res.body), reg.dir) || strings.Contains(string(res.body), "uploads") {
		t.Fatalf("the body names server paths: %s", res.body)
	}
	var body struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || len(body.Errors) != 1 {
		t.Fatalf("body %s: %v", res.body, err)
	}
	if id := res.header.Get("X-Request-Id"); id != "pipeline-7" || body.Errors[0].Message != "internal error; request id pipeline-7" {
		t.Fatalf("X-Request-Id %q, message %q", id, body.Errors[0].Message)
	}
}
