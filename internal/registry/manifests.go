package registry

import (
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/manifest"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/reference"
)

// parseRef validates a manifest reference: a digest if it contains ":",
// a tag otherwise.
func parseRef(ref string) (tag string, d digest.Digest, err error) {
	if reference.IsDigest(ref) {
		d, err = reference.ParseDigest(ref)
		return "", d, err
	}
	return ref, "", reference.ValidateTag(ref)
}

// tagOf returns ref if it is a tag, "" if it is a digest.
func tagOf(ref string) string {
	if reference.IsDigest(ref) {
		return ""
	}
	return ref
}

// getManifest serves GET and HEAD of a manifest. A reference that is
// neither a digest nor a valid tag names no manifest: 404, as the
// distribution spec has it for any manifest not found, where a PUT to it
// is refused as TAG_INVALID.
func (g *Registry) getManifest(w http.ResponseWriter, r *http.Request, rt call) error {
	if tag, _, err := parseRef(rt.arg); err != nil {
		if tag != "" {
			return fmt.Errorf("%w: %v", meta.ErrManifestUnknown, err)
		}
		return err
	}
	m, err := g.meta.Manifest(rt.name, rt.arg)
	if err != nil {
		return err
	}
	if r.Method == http.MethodGet && g.pulls.allow(rt.name+"@"+m.Digest.String(), g.now()) {
		g.publish(events.Event{Action: events.ActionPull, Repository: rt.name, Tag: tagOf(rt.arg),
			Digest: m.Digest.String(), MediaType: m.MediaType, Size: int64(len(m.Body)), Actor: rt.actor})
	}
	h := w.Header()
	h.Set("Content-Type", m.MediaType)
	h.Set("Docker-Content-Digest", m.Digest.String())
	h.Set("Etag", `"`+m.Digest.String()+`"`)
	h.Set("Content-Length", strconv.Itoa(len(m.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(m.Body)
	}
	return nil
}

// putManifest stores a manifest by tag or by digest after checking its
// digest, its shape and that the repository has all it references.
func (g *Registry) putManifest(w http.ResponseWriter, r *http.Request, rt call) error {
	tag, want, err := parseRef(rt.arg)
	if err != nil {
		return err
	}
	body, err := readManifest(r)
	if err != nil {
		return err
	}
	d := digest.Canonical.FromBytes(body)
	if want != "" {
		if d = want.Algorithm().FromBytes(body); d != want {
			return fmt.Errorf("manifest has digest %s, not %s: %w", d, want, reference.ErrDigestInvalid)
		}
	}
	m, err := manifest.Parse(r.Header.Get("Content-Type"), body)
	if err != nil {
		return err
	}
	err = g.meta.PutManifest(rt.name, meta.ManifestPut{
		Digest: d, Body: body, Tag: tag, Manifest: m, Origin: rt.origin(g.now()), Guard: g.guard,
	})
	if err != nil {
		return err
	}
	g.publish(events.Event{Action: events.ActionPush, Repository: rt.name, Tag: tag,
		Digest: d.String(), MediaType: m.MediaType, Size: int64(len(body)), Actor: rt.actor})
	h := w.Header()
	h.Set("Location", "/v2/"+rt.name+"/manifests/"+d.String())
	h.Set("Docker-Content-Digest", d.String())
	if m.Subject != nil {
		h.Set("OCI-Subject", m.Subject.Digest.String())
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}

// readManifest reads a manifest body, refusing one over manifest.MaxSize
// without reading more than one byte past the limit.
func readManifest(r *http.Request) ([]byte, error) {
	tooLarge := fmt.Errorf("manifest is over the %d byte limit: %w", manifest.MaxSize, errManifestTooLarge)
	if r.ContentLength > manifest.MaxSize {
		return nil, tooLarge
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, manifest.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading manifest body: %v: %w", err, manifest.ErrInvalid)
	}
	if len(body) > manifest.MaxSize {
		return nil, tooLarge
	}
	return body, nil
}

// deleteManifest deletes a manifest by digest (with its tags) or a tag.
func (g *Registry) deleteManifest(w http.ResponseWriter, r *http.Request, rt call) error {
	tag, d, err := parseRef(rt.arg)
	if err != nil {
		return err
	}
	if tag != "" {
		err = g.meta.DeleteTag(rt.name, tag, g.guard, rt.origin(g.now()))
	} else {
		err = g.meta.DeleteManifest(rt.name, d, g.guard, rt.origin(g.now()))
	}
	if err != nil {
		return err
	}
	g.publish(events.Event{Action: events.ActionDelete, Repository: rt.name, Tag: tag, Digest: d.String(), Actor: rt.actor})
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
	return nil
}
