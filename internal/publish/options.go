package publish

import (
	"io"
	"log/slog"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Options are what Image and Push share.
type Options struct {
	// Labels is the provenance to stamp on the image: labels in its
	// config and annotations on its manifest. A build gets them as build
	// labels; Push adds them to images that lack them.
	Labels map[string]string
	// Auth logs in to the registry; nil uses the Docker configuration
	// (~/.docker/config.json and its credential helpers). A berth robot
	// is &authn.Basic{Username: robotName, Password: token}.
	Auth authn.Authenticator
	// Insecure allows plain HTTP to a registry that is not on loopback or
	// a private network (those get it anyway).
	Insecure bool
	// Progress hears how the push goes; nil hears nothing.
	Progress Reporter
	// Log receives debug and cleanup messages; nil discards them.
	Log *slog.Logger
	// BuildOutput receives the builder's output; nil discards it.
	BuildOutput io.Writer
}

func (o Options) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

func (o Options) buildOutput() io.Writer {
	if o.BuildOutput == nil {
		return io.Discard
	}
	return o.BuildOutput
}
