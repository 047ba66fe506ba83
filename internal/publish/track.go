package publish

import (
	"io"
	"slices"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// tracker follows the layers of one push. go-containerregistry opens a
// layer only to upload it, and asks the registry (HEAD of the blob)
// before that: a HEAD answered 200 marks the layer skipped, an opened
// layer is uploading, and the committing PUT marks it pushed. A layer
// never asked about was skipped too: the tag already held the manifest.
type tracker struct {
	ref   string
	start time.Time

	mu     sync.Mutex
	layers []LayerProgress
	index  map[v1.Hash]int
}

func newTracker(ref string, layers []v1.Layer) (*tracker, error) {
	t := &tracker{ref: ref, start: time.Now(), index: make(map[v1.Hash]int)}
	for _, l := range layers {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		if _, ok := t.index[d]; ok {
			continue
		}
		size, err := l.Size()
		if err != nil {
			return nil, err
		}
		t.index[d] = len(t.layers)
		t.layers = append(t.layers, LayerProgress{Digest: d, Size: size})
	}
	return t, nil
}

// update changes layer d under the lock, if it is one of the image's
// layers (the config is not).
func (t *tracker) update(d v1.Hash, f func(*LayerProgress)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.index[d]; ok {
		f(&t.layers[i])
	}
}

func (t *tracker) exists(d v1.Hash) {
	t.update(d, func(l *LayerProgress) {
		if l.State == LayerWaiting {
			l.State = LayerSkipped
		}
	})
}

func (t *tracker) opened(d v1.Hash) {
	t.update(d, func(l *LayerProgress) { l.State, l.Sent = LayerUploading, 0 })
}

func (t *tracker) sent(d v1.Hash, n int) {
	t.update(d, func(l *LayerProgress) { l.Sent += int64(n) })
}

func (t *tracker) committed(d v1.Hash) {
	t.update(d, func(l *LayerProgress) { l.State, l.Sent = LayerPushed, l.Size })
}

// finish settles what the registry said nothing about once the push
// succeeded.
func (t *tracker) finish() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.layers {
		switch t.layers[i].State {
		case LayerWaiting:
			t.layers[i].State = LayerSkipped
		case LayerUploading:
			t.layers[i].State, t.layers[i].Sent = LayerPushed, t.layers[i].Size
		}
	}
}

func (t *tracker) snapshot(done bool) Progress {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Progress{Ref: t.ref, Layers: slices.Clone(t.layers), Elapsed: time.Since(t.start), Done: done}
}

// image returns img with its layers counting what is read from them.
func (t *tracker) image(img v1.Image) (v1.Image, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, err
	}
	wrapped := make([]v1.Layer, len(layers))
	for i, l := range layers {
		if _, ok := l.(*remote.MountableLayer); ok {
			wrapped[i] = l // left as it is, so that it can be mounted
			continue
		}
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		wrapped[i] = &trackedLayer{Layer: l, digest: d, t: t}
	}
	return &trackedImage{Image: img, layers: wrapped}, nil
}

// trackedImage is an image whose layers report their reads.
type trackedImage struct {
	v1.Image
	layers []v1.Layer
}

func (i *trackedImage) Layers() ([]v1.Layer, error) { return i.layers, nil }

func (i *trackedImage) LayerByDigest(h v1.Hash) (v1.Layer, error) {
	for _, l := range i.layers {
		if tl, ok := l.(*trackedLayer); ok && tl.digest == h {
			return l, nil
		}
	}
	return i.Image.LayerByDigest(h)
}

// trackedLayer reports its upload to the tracker.
type trackedLayer struct {
	v1.Layer
	digest v1.Hash
	t      *tracker
}

func (l *trackedLayer) Compressed() (io.ReadCloser, error) {
	rc, err := l.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	l.t.opened(l.digest)
	return &countingReader{ReadCloser: rc, digest: l.digest, t: l.t}, nil
}

type countingReader struct {
	io.ReadCloser
	digest v1.Hash
	t      *tracker
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.ReadCloser.Read(p)
	if n > 0 {
		r.t.sent(r.digest, n)
	}
	return n, err
}
