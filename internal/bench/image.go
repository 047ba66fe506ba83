package bench

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
)

// image is a small, complete OCI image: a one-file layer, its config and
// the manifest that ties them together.
type image struct {
	config   blob
	layer    blob
	manifest []byte
}

type descriptor struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int    `json:"size"`
}

// newImage builds an image whose layer holds 1 KiB from rnd, so that
// images from different runs differ.
func newImage(rnd io.Reader) (image, error) {
	content := make([]byte, 1024)
	_, _ = io.ReadFull(rnd, content) // a ChaCha8 never runs dry.
	var layer bytes.Buffer
	tw := tar.NewWriter(&layer)
	if err := tw.WriteHeader(&tar.Header{Name: "bench", Mode: 0o644, Size: int64(len(content))}); err != nil {
		return image{}, fmt.Errorf("writing layer: %w", err)
	}
	if _, err := tw.Write(content); err != nil {
		return image{}, fmt.Errorf("writing layer: %w", err)
	}
	if err := tw.Close(); err != nil {
		return image{}, fmt.Errorf("writing layer: %w", err)
	}
	img := image{layer: newBlob(layer.Bytes())}

	config, err := json.Marshal(map[string]any{
		"architecture": "amd64",
		"os":           "linux",
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{img.layer.digest.String()}},
	})
	if err != nil {
		return image{}, fmt.Errorf("encoding config: %w", err)
	}
	img.config = newBlob(config)

	img.manifest, err = json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mediaTypeManifest,
		"config":        descriptor{mediaTypeConfig, img.config.digest.String(), len(img.config.data)},
		"layers":        []descriptor{{mediaTypeLayer, img.layer.digest.String(), len(img.layer.data)}},
	})
	if err != nil {
		return image{}, fmt.Errorf("encoding manifest: %w", err)
	}
	return img, nil
}

// pushImageBlobs pushes the config and the layer of img to repo, so that
// its manifest can be put under any tag.
func (t Target) pushImageBlobs(ctx context.Context, repo string, img image) error {
	for _, b := range []blob{img.config, img.layer} {
		if err := t.pushMonolithic(ctx, repo, b.data, b.digest); err != nil {
			return fmt.Errorf("pushing blob %s: %w", b.digest, err)
		}
	}
	return nil
}
