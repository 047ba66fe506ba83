package accesslog

import (
	"bytes"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	t.Run("off has no logger", func(t *testing.T) {
		l, err := Open("off", "text", nil)
		if err != nil || l.Logger != nil {
			t.Fatalf("Open = %+v, %v", l, err)
		}
	})
	t.Run("stderr writes text there", func(t *testing.T) {
		var buf bytes.Buffer
		l, err := Open("stderr", "text", &buf)
		if err != nil {
			t.Fatal(err)
		}
		Line(t.Context(), l.Logger, httptest.NewRequest("GET", "/x", nil), clientOf("192.0.2.1"), time.Now(), 200, 2, "", "10.0.0.9:80")
		if got := buf.String(); !strings.Contains(got, "msg=request client=192.0.2.1 host=example.com method=GET path=/x status=200 bytes=2 duration=") ||
			!strings.Contains(got, "upstream=10.0.0.9:80") {
			t.Fatalf("line %q", got)
		}
	})
	t.Run("a file is appended to, created 0640, and reopened", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "access.log")
		if err := os.WriteFile(path, []byte("before\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Open(path, "json", nil)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		l.Logger.Info("request")
		data, _ := os.ReadFile(path)
		if !strings.HasPrefix(string(data), "before\n{") {
			t.Fatalf("file %q", data)
		}
		rotated := path + ".1"
		if err := os.Rename(path, rotated); err != nil {
			t.Fatal(err)
		}
		if err := l.Reopen(); err != nil {
			t.Fatal(err)
		}
		l.Logger.Info("request")
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o640&^umask() {
			t.Fatalf("mode %v", fi.Mode())
		}
		if data, _ := os.ReadFile(path); strings.Count(string(data), "\n") != 1 {
			t.Fatalf("new file %q", data)
		}
	})
	t.Run("a file that cannot be opened is an error", func(t *testing.T) {
		if _, err := Open(filepath.Join(t.TempDir(), "no", "such", "dir.log"), "text", nil); err == nil {
			t.Fatal("no error")
		}
	})
}
