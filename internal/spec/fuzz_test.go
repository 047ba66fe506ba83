package spec

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/berth-dev/berth/internal/driver"
)

func FuzzParse(f *testing.F) {
	// Small seeds: every input found to widen coverage is minimized, and
	// each Parse runs compose-go, so long seeds cost the fuzzer dearly.
	f.Add([]byte("name: shop\nservices:\n  web:\n    image: a:v1\n    x-berth: {route: {host: a.local, port: 80}, strategy: canary, steps: [{weight: 10, pause: 1m}]}\n"))
	f.Add([]byte(svc("image: a:v1", "deploy: {replicas: -1, update_config: {order: x}}", "bogus: 1")))
	f.Add([]byte("x: &a {image: a}\nservices: {web: {<<: *a, command: ${X:?}}}\n"))
	f.Add([]byte("services: {web: {image: a, image: b}}\n"))
	f.Add([]byte("services: [\n"))
	f.Add([]byte(svc("image: a:v1", "volumes: [d:/d, /x, './r:/r:ro']", "tmpfs: ['/t:size=1m,mode=1777']", "ports: ['1-2:3-4/udp']") + "volumes: {d: {}}\n"))
	f.Add([]byte(svc("image: a:v1", "expose: ['1-3']", "ulimits: {n: 1}", "cpus: 0.1", "mem_limit: 1m", "restart: on-failure:2", "x-bert: {}")))
	f.Add([]byte(svc("image: a:v1", "secrets: [s]", "depends_on: {web: {condition: service_healthy}}", "ipc: service:x") + "secrets: {s: {environment: X}}\n"))
	f.Add([]byte(svc("image: a:v1", "x-berth: {update: {policy: pattern, pattern: '^b-(?P<n>[0-9]+)$', order: numeric, tag: x}}")))
	f.Add([]byte(svc("image: a:v1", "x-berth: {route: {host: a.local, port: 80}, strategy: canary, steps: [{weight: 5, verify: true}], verify: {image: s:v1, command: 'a \"b', environment: [A=1, B], timeout: 1m}}")))
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
		if !slices.ContainsFunc(app.Resources.Networks, func(n driver.Network) bool { return n.Name == "default" }) {
			t.Fatalf("the default network is missing: %+v", app.Resources)
		}
	})
}

// secretMark stands for a secret in FuzzRead: it must never be shown.
const secretMark = "s3cr3t-v4lue"

func FuzzRead(f *testing.F) {
	spec := svc("image: a:v1", "env_file: [e.env]", "secrets: [s]", "label_file: l") + "secrets: {s: {file: s.txt}}\n"
	f.Add([]byte(spec), []byte("A=1\nB=\"x\n"), []byte("team=shop\n"))
	f.Add([]byte(spec), []byte("export A=${X}\nC\n"), []byte("berth.x=1\n"))
	f.Add([]byte(svc("image: a:v1", "configs: [c]")+"configs: {c: {content: x}}\n"), []byte(""), []byte("=\n"))
	f.Fuzz(func(t *testing.T, data, envFile, labelFile []byte) {
		envFile = append(envFile, "\nK="+secretMark+"\n"...)
		in := Input{Data: data, Env: map[string]string{"X": "1"}, Files: map[string][]byte{
			"e.env": envFile, "l": labelFile, "s.txt": []byte(secretMark),
		}}
		app, err := Read(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			if strings.Contains(err.Error(), secretMark) && !bytes.Contains(data, []byte(secretMark)) && !bytes.Contains(labelFile, []byte(secretMark)) {
				t.Fatalf("a problem shows a value of a file: %v", err)
			}
			return
		}
		if app.Hash == "" || len(app.Services) == 0 {
			t.Fatalf("Read accepted an incomplete app: %+v", app)
		}
		for _, s := range app.Services {
			if s.ConfigDigest() == "" {
				t.Fatalf("service %s has no ConfigDigest", s.Name)
			}
		}
	})
}

func FuzzReferences(f *testing.F) {
	f.Add([]byte("services: {web: {env_file: [a, {path: b}], label_file: c, security_opt: [seccomp=d], environment: [E]}}\nsecrets: {s: {file: e, environment: F}}\n"), "x")
	f.Add([]byte("services: {web: {env_file: ${DIR}/a}}\n"), "dir")
	f.Fuzz(func(t *testing.T, data []byte, v string) {
		r := references(data, map[string]string{"DIR": v})
		seen := map[string]bool{}
		for _, p := range r.files {
			if p == "" || seen[p] {
				t.Fatalf("files %q: empty or repeated", r.files)
			}
			seen[p] = true
		}
		for name := range r.vars {
			if name == "" {
				t.Fatalf("an empty variable name among %v", r.vars)
			}
		}
	})
}
