package registry

import (
	"net/http"
	"strconv"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/reference"
)

// getBlob serves GET and HEAD of a blob, with Range support. The file is
// handed to net/http as an *os.File, so its bytes go out with sendfile.
func (g *Registry) getBlob(w http.ResponseWriter, r *http.Request, rt route) error {
	d, err := reference.ParseDigest(rt.arg)
	if err != nil {
		return err
	}
	if _, err := g.meta.Blob(rt.name, d); err != nil {
		return err
	}
	h := w.Header()
	if r.Method == http.MethodHead {
		size, err := g.blobs.Stat(d)
		if err != nil {
			return err
		}
		setBlobHeaders(h, d)
		h.Set("Content-Length", strconv.FormatInt(size, 10))
		w.WriteHeader(http.StatusOK)
		return nil
	}
	f, err := g.blobs.Open(d)
	if err != nil {
		return err
	}
	defer f.Close()
	setBlobHeaders(h, d)
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}

func setBlobHeaders(h http.Header, d digest.Digest) {
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Docker-Content-Digest", d.String())
	h.Set("Etag", `"`+d.String()+`"`)
	h.Set("Accept-Ranges", "bytes")
	// Content addressed: the bytes behind a digest never change.
	h.Set("Cache-Control", "max-age=31536000")
}

// deleteBlob unlinks a blob from the repository.
func (g *Registry) deleteBlob(w http.ResponseWriter, r *http.Request, rt route) error {
	d, err := reference.ParseDigest(rt.arg)
	if err != nil {
		return err
	}
	if err := g.meta.UnlinkBlob(rt.name, d); err != nil {
		return err
	}
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// blobLocation is where a committed blob can be fetched.
func blobLocation(name string, d digest.Digest) string {
	return "/v2/" + name + "/blobs/" + d.String()
}
