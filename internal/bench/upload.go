package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/opencontainers/go-digest"
)

const (
	mediaTypeOctetStream = "application/octet-stream"
	mediaTypeManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeConfig      = "application/vnd.oci.image.config.v1+json"
	mediaTypeLayer       = "application/vnd.oci.image.layer.v1.tar"
)

// startUpload opens an upload session in repo and returns where its data
// goes.
func (t Target) startUpload(ctx context.Context, repo string) (*url.URL, error) {
	resp, err := t.send(ctx, call{
		method: http.MethodPost,
		url:    t.endpoint("/v2/" + repo + "/blobs/uploads/"),
		want:   http.StatusAccepted,
	})
	if err != nil {
		return nil, fmt.Errorf("starting upload: %w", err)
	}
	loc, err := resolveLocation(resp.Request.URL, resp.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("starting upload: %w", err)
	}
	return loc, nil
}

// pushStream pushes a blob of size bytes read from body as a single PATCH
// and closes the upload with a PUT. When body is an *os.File the client
// can hand it to the kernel with sendfile.
func (t Target) pushStream(ctx context.Context, repo string, body io.Reader, size int64, d digest.Digest) error {
	loc, err := t.startUpload(ctx, repo)
	if err != nil {
		return err
	}
	resp, err := t.send(ctx, call{
		method:      http.MethodPatch,
		url:         loc,
		body:        body,
		size:        size,
		contentType: mediaTypeOctetStream,
		want:        http.StatusAccepted,
	})
	if err != nil {
		return fmt.Errorf("sending blob data: %w", err)
	}
	if next := resp.Header.Get("Location"); next != "" {
		if loc, err = resolveLocation(resp.Request.URL, next); err != nil {
			return fmt.Errorf("sending blob data: %w", err)
		}
	}
	_, err = t.send(ctx, call{
		method: http.MethodPut,
		url:    withDigest(loc, d),
		want:   http.StatusCreated,
	})
	if err != nil {
		return fmt.Errorf("completing upload: %w", err)
	}
	return nil
}

// pushMonolithic pushes data with a POST that opens the upload and a
// single PUT that carries the whole blob.
func (t Target) pushMonolithic(ctx context.Context, repo string, data []byte, d digest.Digest) error {
	loc, err := t.startUpload(ctx, repo)
	if err != nil {
		return err
	}
	_, err = t.send(ctx, call{
		method:      http.MethodPut,
		url:         withDigest(loc, d),
		body:        bytes.NewReader(data),
		size:        int64(len(data)),
		contentType: mediaTypeOctetStream,
		want:        http.StatusCreated,
	})
	if err != nil {
		return fmt.Errorf("uploading blob: %w", err)
	}
	return nil
}

// putManifest stores an OCI image manifest in repo under ref.
func (t Target) putManifest(ctx context.Context, repo, ref string, manifest []byte) error {
	_, err := t.send(ctx, call{
		method:      http.MethodPut,
		url:         t.endpoint("/v2/" + repo + "/manifests/" + ref),
		body:        bytes.NewReader(manifest),
		size:        int64(len(manifest)),
		contentType: mediaTypeManifest,
		want:        http.StatusCreated,
	})
	if err != nil {
		return fmt.Errorf("putting manifest %s: %w", ref, err)
	}
	return nil
}
