package registry

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/berth-dev/berth/internal/events"
	"github.com/berth-dev/berth/internal/reference"
)

// getBlob serves GET and HEAD of a blob, with Range and conditional
// requests handled by http.ServeContent.
func (g *Registry) getBlob(w http.ResponseWriter, r *http.Request, rt call) error {
	d, err := reference.ParseDigest(rt.arg)
	if err != nil {
		return err
	}
	if _, err := g.meta.Blob(rt.name, d); err != nil {
		return err
	}
	g.recent.touch(d, g.now())
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
	if !streamable(r) {
		// Remote peers get the *os.File itself, and with it sendfile:
		// the network card takes the bytes from the page cache.
		http.ServeContent(w, r, "", time.Time{}, f)
		return nil
	}
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("reading blob %s: %w", d, err)
	}
	h.Set("Content-Length", strconv.FormatInt(fi.Size(), 10))
	w.WriteHeader(http.StatusOK)
	_, _ = g.blobs.Stream(f, fi.Size(), w) // a failure here is the client's to see
	return nil
}

// streamable reports whether a blob GET goes through the blob store's
// chunked stream rather than sendfile: an unconditional request for the
// whole blob from a peer on this host, such as the local Docker daemon.
// Over loopback the kernel copies the bytes either way, and a copy per
// MiB measured 1.6-1.8 GB/s against 0.8-1.2 GB/s for sendfile.
func streamable(r *http.Request) bool {
	if r.Header.Get("Range") != "" || r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func setBlobHeaders(h http.Header, d digest.Digest) {
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Docker-Content-Digest", d.String())
	h.Set("Etag", `"`+d.String()+`"`)
	h.Set("Accept-Ranges", "bytes")
	// Content addressed: the bytes behind a digest never change.
	h.Set("Cache-Control", "max-age=31536000")
}

// deleteBlob unlinks a blob from the repository, unless a manifest there
// still references it.
func (g *Registry) deleteBlob(w http.ResponseWriter, r *http.Request, rt call) error {
	d, err := reference.ParseDigest(rt.arg)
	if err != nil {
		return err
	}
	if err := g.meta.UnlinkBlob(rt.name, d, g.guard, rt.origin(g.now())); err != nil {
		return err
	}
	g.publish(events.Event{Action: events.ActionDelete, Repository: rt.name, Digest: d.String(), Actor: rt.actor})
	w.Header().Set("Docker-Content-Digest", d.String())
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// blobLocation is where a committed blob can be fetched.
func blobLocation(name string, d digest.Digest) string {
	return "/v2/" + name + "/blobs/" + d.String()
}
