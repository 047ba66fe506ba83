package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepository(t *testing.T) {
	for _, c := range []struct{ image, registry, want, err string }{
		{"127.0.0.1:5000/shop/web", "", "127.0.0.1:5000/shop/web", ""},
		{"registry.example.com/web", "http://127.0.0.1:5000", "registry.example.com/web", ""},
		{"shop/web", "", "127.0.0.1:5000/shop/web", ""},
		{"shop/web", "https://berth.example.com/", "berth.example.com/shop/web", ""},
		{"web", "berth.example.com:5443", "berth.example.com:5443/web", ""},
		{"", "", "", "--image"},
		{"shop/web:v1", "", "", "the tag comes from git"},
		{"127.0.0.1:5000/shop/web@sha256:abc", "", "", "the tag comes from git"},
	} {
		got, err := repository(c.image, c.registry)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("repository(%q, %q): %v, want an error about %q", c.image, c.registry, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("repository(%q, %q) = %q, %v; want %q", c.image, c.registry, got, err, c.want)
		}
	}
}

func TestImagesForDeploy(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "compose.yaml")
	spec := `name: shop
services:
  web:
    image: ${WEB_IMAGE:-127.0.0.1:5000/shop/web:v1}
  worker:
    image: 127.0.0.1:5000/shop/web:v1
  db:
    image: 127.0.0.1:5000/shop/db:v3
`
	if err := os.WriteFile(file, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := "127.0.0.1:5000/shop/web:v2@sha256:" + strings.Repeat("a", 64)
	req, err := imagesFor(file, "127.0.0.1:5000/shop/web", ref)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Images) != 2 || req.Images["web"] != ref || req.Images["worker"] != ref {
		t.Errorf("images: %v, want web and worker", req.Images)
	}
	if _, err := imagesFor(file, "127.0.0.1:5000/other", ref); err == nil || !strings.Contains(err.Error(), "nothing to update") {
		t.Errorf("no matching service: %v", err)
	}
}
