package appserver

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func getJSON(t testing.TB, url string, v any) int {
	t.Helper()
	resp, body := get(t, url)
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %q", url, err, body)
	}
	return resp.StatusCode
}

func TestIDAnswersTheProcesssIdentity(t *testing.T) {
	srv := newTestServer(t, nil)
	var id Identity
	if status := getJSON(t, srv.URL+"/id", &id); status != http.StatusOK {
		t.Fatalf("GET /id answered %d", status)
	}
	host, _ := os.Hostname()
	wd, _ := os.Getwd()
	groups, _ := os.Getgroups()
	if id.UID != os.Getuid() || id.GID != os.Getgid() || id.PID != os.Getpid() || id.Hostname != host || id.Cwd != wd || !slices.Equal(id.Groups, groups) {
		t.Fatalf("GET /id = %+v", id)
	}
}

func TestEnvAnswersAVariable(t *testing.T) {
	srv := newTestServer(t, map[string]string{"VERSION": "v1", "COLOR": "blue"})
	for name, want := range map[string]string{"COLOR": "blue", "VERSION": "v1", "NONE": ""} {
		if _, body := get(t, srv.URL+"/env?name="+name); body != want {
			t.Errorf("GET /env?name=%s = %q, want %q", name, body, want)
		}
	}
}

func TestFSReadsAndWritesFiles(t *testing.T) {
	srv := newTestServer(t, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("f", filepath.Join(dir, "l")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		path   string
		status int
		check  func(FileInfo) bool
	}{
		{"a file's content, mode and owner", path, 200, func(fi FileInfo) bool {
			return fi.Type == "file" && fi.Content == "hello" && fi.Mode == "0640" && fi.UID == os.Getuid() && fi.FSSize > 0
		}},
		{"a directory", dir, 200, func(fi FileInfo) bool { return fi.Type == "dir" && fi.Content == "" }},
		{"a symlink's target", filepath.Join(dir, "l"), 200, func(fi FileInfo) bool { return fi.Type == "symlink" && fi.Link == "f" }},
		{"a character device", "/dev/null", 200, func(fi FileInfo) bool { return fi.Type == "chardevice" }},
		{"a missing file is not found", filepath.Join(dir, "none"), 404, func(FileInfo) bool { return true }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fi FileInfo
			if status := getJSON(t, srv.URL+"/fs?path="+tc.path, &fi); status != tc.status || !tc.check(fi) {
				t.Fatalf("GET /fs?path=%s = %d %+v", tc.path, status, fi)
			}
		})
	}

	put := func(path, body string) (int, string) {
		req, err := http.NewRequest(http.MethodPut, srv.URL+"/fs?path="+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e.Error
	}
	written := filepath.Join(dir, "w")
	if status, msg := put(written, "data"); status != http.StatusNoContent {
		t.Fatalf("PUT /fs = %d %s", status, msg)
	}
	if b, err := os.ReadFile(written); err != nil || string(b) != "data" {
		t.Fatalf("the written file holds %q (%v)", b, err)
	}
	if status, msg := put(filepath.Join(dir, "no", "such", "dir"), "x"); status != http.StatusNotFound || !strings.Contains(msg, "no such file") {
		t.Fatalf("PUT into a missing directory = %d %q, want 404 and the error", status, msg)
	}
	made := filepath.Join(dir, "a", "b")
	if status, msg := put(made+"&dir=1", ""); status != http.StatusNoContent {
		t.Fatalf("PUT with dir=1 = %d %s", status, msg)
	}
	if fi, err := os.Stat(made); err != nil || !fi.IsDir() {
		t.Fatalf("PUT with dir=1 made no directory: %v", err)
	}
}

func TestReadLimitsReadsCgroupFiles(t *testing.T) {
	write := func(t *testing.T, root string, files map[string]string) {
		for name, content := range files {
			p := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(content+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  map[string]string
	}{
		{"cgroup v1", map[string]string{
			"memory/memory.limit_in_bytes": "67108864", "memory/memory.soft_limit_in_bytes": "33554432",
			"memory/memory.oom_control": "oom_kill_disable 1\nunder_oom 0", "pids/pids.max": "50",
			"cpu/cpu.cfs_quota_us": "50000", "cpu/cpu.cfs_period_us": "100000", "cpu/cpu.shares": "512",
		}, map[string]string{
			"cgroup": "v1", "memory": "67108864", "memoryReservation": "33554432", "oomKillDisable": "1",
			"pids": "50", "cpuQuota": "50000", "cpuPeriod": "100000", "cpuShares": "512",
		}},
		{"cgroup v2", map[string]string{
			"cgroup.controllers": "cpu memory pids", "memory.max": "67108864", "memory.low": "0",
			"pids.max": "max", "cpu.max": "50000 100000", "cpu.weight": "20",
		}, map[string]string{
			"cgroup": "v2", "memory": "67108864", "memoryReservation": "0", "pids": "max",
			"cpuQuota": "50000", "cpuPeriod": "100000", "cpuWeight": "20",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			write(t, root, tc.files)
			got := readLimits(root)
			if len(got) != len(tc.want) {
				t.Errorf("readLimits = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

func TestResolveAnswersAddresses(t *testing.T) {
	srv := newTestServer(t, nil)
	var addrs []string
	if status := getJSON(t, srv.URL+"/resolve?name=localhost", &addrs); status != http.StatusOK || !slices.Contains(addrs, "127.0.0.1") {
		t.Fatalf("GET /resolve?name=localhost = %d %v", status, addrs)
	}
}
