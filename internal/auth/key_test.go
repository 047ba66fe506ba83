package auth

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewReportsABadKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token.key")
	if err := os.WriteFile(path, []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(testConfig(t), path, discard()); err == nil || !strings.Contains(err.Error(), "loading token key") {
		t.Fatalf("New: %v", err)
	}
}
