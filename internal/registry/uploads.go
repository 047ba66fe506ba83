package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/reference"
)

// startUpload handles POST /v2/<name>/blobs/uploads/: a cross-repository
// mount, a monolithic upload (?digest= with the body), or a new session.
func (g *Registry) startUpload(w http.ResponseWriter, r *http.Request, rt call) error {
	q := r.URL.Query()
	if mount := q.Get("mount"); mount != "" {
		d, err := reference.ParseDigest(mount)
		if err != nil {
			return err
		}
		mounted, err := g.mount(r, rt.name, q.Get("from"), d)
		if err != nil {
			return err
		}
		if mounted {
			return blobCreated(w, rt.name, d)
		}
		// Not mountable: the spec asks for an ordinary upload instead.
	}
	if dg := q.Get("digest"); dg != "" {
		d, err := reference.ParseDigest(dg)
		if err != nil {
			return err
		}
		start := g.now()
		size, err := g.blobs.Ingest(r.Body, d, g.linker(rt.name, d, ""))
		if err != nil {
			return err
		}
		if g.observer != nil {
			g.observer.UploadFinished(size, g.now().Sub(start))
		}
		return blobCreated(w, rt.name, d)
	}
	id := blob.NewUploadID()
	if err := g.blobs.CreateUpload(id); err != nil {
		return err
	}
	if err := g.meta.CreateUpload(meta.Upload{ID: id, Repo: rt.name, Started: g.now()}); err != nil {
		g.blobs.DeleteUpload(id)
		return err
	}
	return uploadAccepted(w, http.StatusAccepted, rt.name, id, 0)
}

// mount links d from repository from into name, reporting false when from
// does not have it, is not a valid name or may not be pulled by the
// caller, so that the client uploads instead.
func (g *Registry) mount(r *http.Request, name, from string, d digest.Digest) (bool, error) {
	if reference.ValidateName(from) != nil {
		return false, nil
	}
	pull := []auth.Scope{{Type: auth.TypeRepository, Name: from, Actions: []string{"pull"}}}
	if _, err := g.authorize(r, route{end: endBlob, name: from}, pull); err != nil {
		return false, nil
	}
	_, err := g.meta.MountBlob(name, from, d, g.now())
	if errors.Is(err, meta.ErrBlobUnknown) {
		return false, nil
	}
	if err == nil {
		g.recent.touch(d, g.now())
	}
	return err == nil, err
}

// session returns the upload named by the route, checking that it belongs
// to the route's repository.
func (g *Registry) session(rt call) (meta.Upload, error) {
	u, err := g.meta.Upload(rt.arg)
	if err != nil {
		return u, err
	}
	if u.Repo != rt.name {
		return u, fmt.Errorf("upload %s is not in %s: %w", rt.arg, rt.name, meta.ErrUploadUnknown)
	}
	return u, nil
}

func (g *Registry) uploadStatus(w http.ResponseWriter, r *http.Request, rt call) error {
	if _, err := g.session(rt); err != nil {
		return err
	}
	size, err := g.blobs.UploadSize(rt.arg)
	if err != nil {
		return err
	}
	return uploadAccepted(w, http.StatusNoContent, rt.name, rt.arg, size)
}

// patchUpload appends a chunk, or streams the whole blob, to a session.
func (g *Registry) patchUpload(w http.ResponseWriter, r *http.Request, rt call) error {
	if _, err := g.session(rt); err != nil {
		return err
	}
	size, err := g.append(r, rt.arg)
	var rangeErr *blob.RangeError
	if errors.As(err, &rangeErr) {
		// Tell the client where the upload really ends so it can resume.
		setUploadHeaders(w.Header(), rt.name, rt.arg, rangeErr.Size)
	}
	if err != nil {
		return err
	}
	return uploadAccepted(w, http.StatusAccepted, rt.name, rt.arg, size)
}

// append writes the request body to upload id, honouring Content-Range.
func (g *Registry) append(r *http.Request, id string) (int64, error) {
	start := int64(-1)
	if cr := r.Header.Get("Content-Range"); cr != "" {
		s, end, err := parseContentRange(cr)
		if err != nil {
			return 0, err
		}
		if r.ContentLength >= 0 && r.ContentLength != end-s+1 {
			return 0, fmt.Errorf("Content-Range %q covers %d bytes but Content-Length is %d: %w", cr, end-s+1, r.ContentLength, errSizeInvalid)
		}
		start = s
	}
	return g.blobs.Append(id, start, r.Body)
}

// parseContentRange reads "<start>-<end>", also accepting a "bytes "
// or "bytes=" prefix.
func parseContentRange(v string) (int64, int64, error) {
	s := strings.TrimPrefix(strings.TrimPrefix(v, "bytes="), "bytes ")
	a, b, ok := strings.Cut(s, "-")
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil || start < 0 || end < start {
		return 0, 0, fmt.Errorf("Content-Range %q: want <start>-<end>: %w", v, blob.ErrRangeInvalid)
	}
	return start, end, nil
}

// finishUpload handles PUT ?digest=: the optional last chunk, then the
// verified commit.
func (g *Registry) finishUpload(w http.ResponseWriter, r *http.Request, rt call) error {
	dg := r.URL.Query().Get("digest")
	if dg == "" {
		return errDigestMissing
	}
	d, err := reference.ParseDigest(dg)
	if err != nil {
		return err
	}
	u, err := g.session(rt)
	if err != nil {
		return err
	}
	if r.ContentLength != 0 {
		if _, err := g.append(r, rt.arg); err != nil {
			return err
		}
	}
	size, err := g.blobs.Commit(rt.arg, d, g.linker(rt.name, d, rt.arg))
	if errors.Is(err, blob.ErrDigestMismatch) {
		// The blob store dropped the bytes; the session goes with them.
		_ = g.meta.DeleteUpload(rt.arg) // an orphan record is swept at start-up
	}
	if err != nil {
		return err
	}
	if g.observer != nil {
		g.observer.UploadFinished(size, g.now().Sub(u.Started))
	}
	return blobCreated(w, rt.name, d)
}

// linker records a committed blob in the repository (and closes the upload
// session, if any) while the blob store holds the digest's lock.
func (g *Registry) linker(name string, d digest.Digest, uploadID string) func(int64) error {
	return func(size int64) error { return g.meta.LinkBlob(name, d, size, uploadID, g.now()) }
}

func (g *Registry) cancelUpload(w http.ResponseWriter, r *http.Request, rt call) error {
	if _, err := g.session(rt); err != nil {
		return err
	}
	g.blobs.DeleteUpload(rt.arg)
	if err := g.meta.DeleteUpload(rt.arg); err != nil {
		return err
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func setUploadHeaders(h http.Header, name, id string, size int64) {
	end := size - 1
	if end < 0 {
		end = 0
	}
	h.Set("Location", "/v2/"+name+"/blobs/uploads/"+id)
	h.Set("Range", "0-"+strconv.FormatInt(end, 10))
	h.Set("Docker-Upload-UUID", id)
	h.Set("Content-Length", "0")
}

func uploadAccepted(w http.ResponseWriter, status int, name, id string, size int64) error {
	setUploadHeaders(w.Header(), name, id, size)
	w.WriteHeader(status)
	return nil
}

func blobCreated(w http.ResponseWriter, name string, d digest.Digest) error {
	h := w.Header()
	h.Set("Location", blobLocation(name, d))
	h.Set("Docker-Content-Digest", d.String())
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
	return nil
}
