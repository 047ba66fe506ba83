package memory

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/berth-dev/berth/internal/driver"
)

// Image is what a container of the image runs, with its defaults.
type Image struct {
	// Path is the file the Program is at in the image, such as "/app":
	// an entrypoint naming another path fails to start, as in Docker.
	Path       string
	Program    Program
	Entrypoint []string // default: [Path]
	Cmd        []string
	Env        []string
	Labels     map[string]string
	// Version makes images of the same program differ, and their digests.
	Version string
}

// Registry holds images that drivers pull. It is safe for concurrent use.
type Registry struct {
	mu     sync.Mutex
	byRef  map[string]*Image // repo@digest and repo:tag
	pulled map[string]int    // repo@digest -> pulls served
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byRef: map[string]*Image{}, pulled: map[string]int{}}
}

// Push stores img under repo:tag and returns its reference pinned by
// digest, repo@sha256:....
func (r *Registry) Push(repo, tag string, img Image) string {
	if len(img.Entrypoint) == 0 && img.Path != "" {
		img.Entrypoint = []string{img.Path}
	}
	desc, _ := json.Marshal(struct {
		Repo, Path, Version  string
		Entrypoint, Cmd, Env []string
		Labels               map[string]string
	}{repo, img.Path, img.Version, img.Entrypoint, img.Cmd, img.Env, img.Labels})
	sum := sha256.Sum256(desc)
	ref := repo + "@sha256:" + hex.EncodeToString(sum[:])
	r.mu.Lock()
	defer r.mu.Unlock()
	r.byRef[ref] = &img
	r.byRef[repo+":"+tag] = &img
	return ref
}

// Pulls returns how many times ref (pinned by digest) was pulled.
func (r *Registry) Pulls(ref string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pulled[ref]
}

// pull returns the image behind ref, a tag or a digest reference.
func (r *Registry) pull(ref string) (*Image, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	img, ok := r.byRef[ref]
	if !ok {
		what := "tag"
		if strings.Contains(ref, "@") {
			what = "manifest"
		}
		return nil, fmt.Errorf("%w: %s: %s unknown", driver.ErrImage, ref, what)
	}
	r.pulled[ref]++
	return img, nil
}

// Resolve pins ref, a tag or a digest reference, to the image's
// reference by digest.
func (r *Registry) Resolve(ref string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	img, ok := r.byRef[ref]
	if !ok {
		return "", fmt.Errorf("%w: %s is not in the registry", driver.ErrImage, ref)
	}
	for k, v := range r.byRef {
		if v == img && strings.Contains(k, "@") {
			return k, nil
		}
	}
	return "", fmt.Errorf("%w: %s has no digest", driver.ErrImage, ref)
}

// Delete forgets ref, a tag or a digest reference: later pulls of it
// fail with driver.ErrImage.
func (r *Registry) Delete(ref string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byRef, ref)
}
