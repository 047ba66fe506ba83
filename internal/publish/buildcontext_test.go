package publish

import (
	"archive/tar"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeFiles creates files (path -> content) under dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readTar returns the regular files of a tar stream and their contents.
func readTar(t testing.TB, r io.ReadCloser) map[string]string {
	t.Helper()
	defer r.Close()
	files := make(map[string]string)
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 {
			t.Errorf("%s is owned by %d:%d, want root", h.Name, h.Uid, h.Gid)
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = string(b)
		}
	}
}

func names(files map[string]string) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

func TestBuildContext(t *testing.T) {
	t.Run(".dockerignore excludes files but never the Dockerfile or itself", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{
			"Dockerfile":     "FROM scratch\n",
			".dockerignore":  "*.log\nsecret/\nDockerfile\n.dockerignore\n!keep.log\n",
			"app":            "binary",
			"debug.log":      "noise",
			"keep.log":       "wanted",
			"secret/key":     "hidden",
			"src/main.go":    "package main",
			"src/nested.log": "kept: *.log matches the top level only",
		})
		bc, err := newBuildContext(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		if bc.dockerfile != "Dockerfile" {
			t.Errorf("dockerfile %q", bc.dockerfile)
		}
		got := names(readTar(t, bc.tar))
		want := []string{".dockerignore", "Dockerfile", "app", "keep.log", "src/main.go", "src/nested.log"}
		if !slices.Equal(got, want) {
			t.Fatalf("context holds %v, want %v", got, want)
		}
	})
	t.Run("a Dockerfile in a subdirectory is named by its path in the context", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"build/Dockerfile.prod": "FROM scratch\n", "app": "x"})
		bc, err := newBuildContext(dir, filepath.Join(dir, "build", "Dockerfile.prod"))
		if err != nil {
			t.Fatal(err)
		}
		if bc.dockerfile != "build/Dockerfile.prod" {
			t.Errorf("dockerfile %q", bc.dockerfile)
		}
		if files := readTar(t, bc.tar); files["build/Dockerfile.prod"] != "FROM scratch\n" {
			t.Fatalf("context holds %v", names(files))
		}
	})
	t.Run("a Dockerfile outside the context is sent under a name .dockerignore drops", func(t *testing.T) {
		dir, other := t.TempDir(), t.TempDir()
		writeFiles(t, dir, map[string]string{"app": "x", ".dockerignore": "*.tmp"})
		writeFiles(t, other, map[string]string{"Dockerfile": "FROM scratch\nCOPY app /app\n"})
		t.Chdir(other)
		bc, err := newBuildContext(dir, "Dockerfile") // relative to the working directory, as docker -f
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(bc.dockerfile, ".dockerfile.") {
			t.Fatalf("dockerfile %q", bc.dockerfile)
		}
		files := readTar(t, bc.tar)
		if files[bc.dockerfile] != "FROM scratch\nCOPY app /app\n" {
			t.Errorf("the Dockerfile is not in the context: %v", names(files))
		}
		if ignore := files[".dockerignore"]; !strings.HasPrefix(ignore, "*.tmp") || !strings.Contains(ignore, "\n"+bc.dockerfile+"\n") {
			t.Errorf(".dockerignore is %q", ignore)
		}
		if files["app"] != "x" {
			t.Errorf("context holds %v", names(files))
		}
	})
	t.Run("a lowercase dockerfile is found", func(t *testing.T) {
		dir := t.TempDir()
		writeFiles(t, dir, map[string]string{"dockerfile": "FROM scratch\n"})
		bc, err := newBuildContext(dir, "")
		if err != nil {
			t.Fatal(err)
		}
		readTar(t, bc.tar)
		if bc.dockerfile != "dockerfile" {
			t.Errorf("dockerfile %q", bc.dockerfile)
		}
	})
	t.Run("no Dockerfile is an error", func(t *testing.T) {
		if _, err := newBuildContext(t.TempDir(), ""); err == nil || !strings.Contains(err.Error(), "Dockerfile") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a missing context is an error", func(t *testing.T) {
		if _, err := newBuildContext(filepath.Join(t.TempDir(), "nope"), ""); err == nil {
			t.Fatal("no error")
		}
	})
}

func TestReadBuildOutput(t *testing.T) {
	t.Run("the builder's text is copied and the image ID returned", func(t *testing.T) {
		stream := `{"stream":"Step 1/2 : FROM scratch\n"}
{"stream":" ---\u003e \n"}
{"status":"Pulling fs layer","id":"abc"}
{"status":"Downloading","progressDetail":{"current":1,"total":9},"progress":"[=>  ]","id":"abc"}
{"status":"Downloading","progressDetail":{"current":5,"total":9},"progress":"[===>]","id":"abc"}
{"status":"Download complete","id":"abc"}
{"aux":{"ID":"sha256:0123"}}
{"stream":"Successfully built 0123\n"}
`
		var out strings.Builder
		id, err := readBuildOutput(strings.NewReader(stream), &out)
		if err != nil {
			t.Fatal(err)
		}
		if id != "sha256:0123" {
			t.Errorf("id %q", id)
		}
		want := "Step 1/2 : FROM scratch\n ---> \nabc: Pulling fs layer\nabc: Downloading\nabc: Download complete\nSuccessfully built 0123\n"
		if out.String() != want {
			t.Errorf("output %q, want %q", out.String(), want)
		}
	})
	t.Run("an error message fails the build with the builder's words", func(t *testing.T) {
		stream := `{"stream":"Step 2/2 : COPY missing /\n"}
{"errorDetail":{"message":"COPY failed: file not found in build context"},"error":"COPY failed: file not found in build context"}
`
		_, err := readBuildOutput(strings.NewReader(stream), io.Discard)
		if !errors.Is(err, ErrBuild) || !strings.Contains(err.Error(), "COPY failed: file not found in build context") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a stream cut short is an error", func(t *testing.T) {
		if _, err := readBuildOutput(strings.NewReader(`{"stream":"Step 1`), io.Discard); err == nil {
			t.Fatal("no error")
		}
	})
}
