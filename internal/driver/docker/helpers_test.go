package docker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// request sends a request to the test app at addr and returns its
// status and body.
func request(ctx context.Context, method, addr, path, body string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	resp, err := (&http.Transport{DisableKeepAlives: true}).RoundTrip(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// waitHealthy waits until the test app at addr answers /healthz.
func waitHealthy(t testing.TB, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		status, _, err := request(c, http.MethodGet, addr, "/healthz", "")
		cancel()
		if err == nil && status == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app at %s did not answer in 30s: %d %v", addr, status, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// put writes body at path in the test app at addr.
func put(t testing.TB, addr, path, body string) {
	t.Helper()
	status, answer, err := request(ctx(t), http.MethodPut, addr, path, body)
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("PUT %s = %d %s, %v", path, status, answer, err)
	}
}

// fileContent returns the content of the file at path in the test app
// at addr.
func fileContent(t testing.TB, addr, path string) string {
	t.Helper()
	status, body, err := request(ctx(t), http.MethodGet, addr, "/fs?path="+path, "")
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET /fs?path=%s = %d %s, %v", path, status, body, err)
	}
	var fi struct{ Content string }
	if err := json.Unmarshal([]byte(body), &fi); err != nil {
		t.Fatal(fmt.Errorf("GET /fs: %w", err))
	}
	return fi.Content
}
