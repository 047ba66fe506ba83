package gitsource

import (
	"fmt"
	"testing"
)

// benchSources are the ways to reach a small repository the benchmarks
// time: a file URL and smart HTTP with basic credentials.
func benchSources(b *testing.B) []struct {
	name string
	o    *origin
	cfg  Config
} {
	files := map[string]string{}
	for i := range 20 {
		files[fmt.Sprintf("apps/app%02d.yaml", i)] = fmt.Sprintf("name: app%02d\nservices:\n  web:\n    image: registry.example.com/app%02d:v1.0.0\n", i, i)
	}
	fileOrigin := newOrigin(b, files)
	httpOrigin := newOrigin(b, files)
	return []struct {
		name string
		o    *origin
		cfg  Config
	}{
		{"file", fileOrigin, Config{Name: "bench", URL: fileOrigin.url(), Path: "apps"}},
		{"http", httpOrigin, Config{Name: "bench", URL: httpOrigin.Serve(b, "git", "tok3n"), Path: "apps", Auth: Auth{Password: "tok3n"}}},
	}
}

// BenchmarkFetch times a fetch that brings one new commit, and one that
// finds nothing new (a poll).
func BenchmarkFetch(b *testing.B) {
	for _, src := range benchSources(b) {
		r := open(b, src.cfg)
		b.Run(src.name+"/new-commit", func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				want := src.o.commit(map[string]string{"apps/app00.yaml": fmt.Sprintf("name: app00\nrevision: %d\n", i)}, "bench")
				b.StartTimer()
				tip, err := r.Fetch(testContext(b))
				if err != nil || tip.Hash != want {
					b.Fatalf("tip %+v %v, want %s", tip, err, want)
				}
			}
		})
		b.Run(src.name+"/up-to-date", func(b *testing.B) {
			for b.Loop() {
				if _, err := r.Fetch(testContext(b)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpdate times an Update of one file: fetch, edit, commit and
// push.
func BenchmarkUpdate(b *testing.B) {
	for _, src := range benchSources(b) {
		r := open(b, src.cfg)
		b.Run(src.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				_, err := r.Update(testContext(b), Change{Message: "bench", Author: author, Edit: setFiles(map[string][]byte{
					"apps/app01.yaml": fmt.Appendf(nil, "name: app01\nrevision: %d\n", i),
				})})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
