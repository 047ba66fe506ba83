package spec

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	// Small seeds: every input found to widen coverage is minimized, and
	// each Parse runs compose-go, so long seeds cost the fuzzer dearly.
	f.Add([]byte("name: shop\nservices:\n  web:\n    image: a:v1\n    x-berth: {route: {host: a.local, port: 80}, strategy: canary, steps: [{weight: 10, pause: 1m}]}\n"))
	f.Add([]byte(svc("image: a:v1", "deploy: {replicas: -1, update_config: {order: x}}", "bogus: 1")))
	f.Add([]byte("x: &a {image: a}\nservices: {web: {<<: *a, command: ${X:?}}}\n"))
	f.Add([]byte("services: {web: {image: a, image: b}}\n"))
	f.Add([]byte("services: [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		app, err := Parse("compose.yaml", data, "", map[string]string{"X": "1"})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			var e *Error
			if !errors.As(err, &e) || e.File != "compose.yaml" {
				t.Fatalf("error is not an *Error naming the file: %v", err)
			}
			return
		}
		if app.Hash == "" || app.Name == "" || len(app.Services) == 0 {
			t.Fatalf("Parse accepted an incomplete app: %+v", app)
		}
	})
}
