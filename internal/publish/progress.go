package publish

import (
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Reporter shows how a push goes. Push calls Report from one goroutine,
// about ten times a second while it pushes and once more at the end
// with Done set; a Reporter decides what of it to show.
type Reporter interface {
	Report(Progress)
}

// LayerState is where a layer's push stands.
type LayerState int

const (
	// LayerWaiting is a layer not yet looked at, or being looked up.
	LayerWaiting LayerState = iota
	// LayerUploading is a layer whose bytes are being sent.
	LayerUploading
	// LayerPushed is a layer the registry now has from this push.
	LayerPushed
	// LayerSkipped is a layer the registry had already.
	LayerSkipped
)

func (s LayerState) String() string {
	switch s {
	case LayerWaiting:
		return "waiting"
	case LayerUploading:
		return "uploading"
	case LayerPushed:
		return "pushed"
	case LayerSkipped:
		return "exists, skipped"
	}
	return "unknown"
}

// LayerProgress is one layer of a push.
type LayerProgress struct {
	Digest v1.Hash
	Size   int64 // compressed, as stored
	Sent   int64 // bytes of it sent by the current attempt
	State  LayerState
}

// Progress is a snapshot of a push.
type Progress struct {
	Ref     string          // where the image goes, REPO:TAG
	Layers  []LayerProgress // each distinct layer, in manifest order
	Elapsed time.Duration   // since the push started
	Done    bool            // the push is over
	Failed  bool            // it is over and failed (Push returns why)
}

// Sent returns the bytes of layers sent so far.
func (p Progress) Sent() int64 {
	var n int64
	for _, l := range p.Layers {
		switch l.State {
		case LayerUploading:
			n += l.Sent
		case LayerPushed:
			n += l.Size
		}
	}
	return n
}

// Total returns the bytes of layers to send: every layer the registry
// is not known to have.
func (p Progress) Total() int64 {
	var n int64
	for _, l := range p.Layers {
		if l.State != LayerSkipped {
			n += l.Size
		}
	}
	return n
}

// Count returns how many layers are in state s.
func (p Progress) Count(s LayerState) int {
	n := 0
	for _, l := range p.Layers {
		if l.State == s {
			n++
		}
	}
	return n
}

// rate returns the average upload speed in bytes per second.
func (p Progress) rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Sent()) / p.Elapsed.Seconds()
}
