package demo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestShareLine(t *testing.T) {
	got := shareLine(map[string]int{"v1": 90, "v2": 10}, []string{"v1", "v2"})
	if !strings.Contains(got, "v1 ██████████████████░░  90%") || !strings.Contains(got, "v2 ██░░░░░░░░░░░░░░░░░░  10%") ||
		!strings.HasSuffix(got, "(100 requests)") {
		t.Errorf("shareLine: %q", got)
	}
	if got := shareLine(nil, []string{"v1"}); got != "no answers yet" {
		t.Errorf("no answers: %q", got)
	}
	if got := shareLine(map[string]int{"v1": 1, "v9": 3}, []string{"v1"}); !strings.Contains(got, "v9 3 answers") {
		t.Errorf("an unexpected version is hidden: %q", got)
	}
}

func TestIndenterShowsFinishedLines(t *testing.T) {
	var b strings.Builder
	w := newIndenter(&b, "  ")
	w.Write([]byte("one\ntw"))
	w.Write([]byte("o\n10%\r50%\r100%\nrest"))
	w.flush()
	if want := "  one\n  two\n  100%\n  rest\n"; b.String() != want {
		t.Errorf("indented:\n%q\nwant\n%q", b.String(), want)
	}
}

func TestSetGreeting(t *testing.T) {
	dir := t.TempDir()
	w := &workspace{dir: dir}
	src := "package main\n\nconst greeting = \"Hello from berth\"\n\nfunc main() {}\n"
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := w.setGreeting("Hello again"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "main.go"))
	if want := strings.Replace(src, "Hello from berth", "Hello again", 1); string(got) != want {
		t.Errorf("after setGreeting:\n%s", got)
	}
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n"), 0o644)
	if err := w.setGreeting("x"); err == nil {
		t.Error("a file without the constant was accepted")
	}
}

func TestTheExampleIsComplete(t *testing.T) {
	for _, name := range exampleFiles {
		if _, err := os.Stat(filepath.Join("../../examples/hello", name)); err != nil {
			t.Errorf("the example lacks %s: %v", name, err)
		}
	}
}

func TestTheExampleIsBuiltIn(t *testing.T) {
	onDisk, err := filepath.Abs("../../examples/hello")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // no examples/ from here up
	w, err := newWorkspace("", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range exampleFiles {
		got, err := os.ReadFile(filepath.Join(w.dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := os.ReadFile(filepath.Join(onDisk, name)); string(got) != string(want) {
			t.Errorf("the built-in %s differs from examples/hello's", name)
		}
	}
}
