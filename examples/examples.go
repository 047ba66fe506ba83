// Package examples holds the example apps, and builds into berth the
// files of the one `berth demo` publishes and deploys, so that an
// installed binary runs the demo without a source checkout.
package examples

import "embed"

// Hello is the demo's app under hello/: its program, Dockerfile, ignore
// files and compose.yaml.
//
//go:embed hello/main.go hello/Dockerfile hello/.dockerignore hello/.gitignore hello/compose.yaml
var Hello embed.FS
