package publish

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// reportEvery is how often a Reporter hears about a running push.
const reportEvery = 100 * time.Millisecond

// Result is what a push left in the registry.
type Result struct {
	Repository    string          // registry/repository, as the reference named it
	Tag           string          // the tag pushed
	Digest        v1.Hash         // the manifest's digest
	MediaType     types.MediaType // the manifest's media type
	Size          int64           // config and layers, compressed, in bytes
	LayersPushed  int             // layers this push uploaded
	LayersSkipped int             // layers the registry had already
}

// Ref returns the pushed reference pinned to its digest:
// REPO:TAG@sha256:...
func (r Result) Ref() string {
	return r.Repository + ":" + r.Tag + "@" + r.Digest.String()
}

// Push stamps img with opts.Labels (see Annotate) and writes it to ref,
// which is REPO:TAG. When the tag already holds the same image, nothing
// is uploaded and the result is the same digest. Transient failures (a
// timeout, 429, 500, 502, 503, 504, a connection reset) are retried, up
// to five attempts 0.5, 1, 2 and 4 s apart; a refusal (401, 403, 400,
// an immutable tag) fails at once with the registry's message.
func Push(ctx context.Context, img v1.Image, ref string, opts Options) (Result, error) {
	var nameOpts []name.Option
	nameOpts = append(nameOpts, name.StrictValidation)
	if opts.Insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	tag, err := name.NewTag(ref, nameOpts...)
	if err != nil {
		return Result{}, fmt.Errorf("parsing reference %q (want REPO:TAG): %w", ref, err)
	}
	img, err = Annotate(img, opts.Labels)
	if err != nil {
		return Result{}, fmt.Errorf("stamping the image for %s: %w", ref, err)
	}
	res, err := describe(tag, img)
	if err != nil {
		return Result{}, fmt.Errorf("reading the image for %s: %w", ref, err)
	}
	layers, err := img.Layers()
	if err != nil {
		return Result{}, fmt.Errorf("reading the image for %s: %w", ref, err)
	}
	t, err := newTracker(tag.String(), layers)
	if err != nil {
		return Result{}, fmt.Errorf("reading the image for %s: %w", ref, err)
	}
	tracked, err := t.image(img)
	if err != nil {
		return Result{}, fmt.Errorf("reading the image for %s: %w", ref, err)
	}

	stop := reportLoop(t, opts.Progress)
	err = remote.Write(tag, tracked, writeOptions(ctx, t, opts)...)
	if err == nil {
		t.finish()
	}
	p := stop(err != nil)
	if err != nil {
		return Result{}, fmt.Errorf("pushing %s: %w", ref, err)
	}
	res.LayersPushed, res.LayersSkipped = p.Count(LayerPushed), p.Count(LayerSkipped)
	opts.log().Debug("image pushed", "repo", res.Repository, "tag", res.Tag, "digest", res.Digest.String(),
		"pushed", res.LayersPushed, "skipped", res.LayersSkipped, "duration", p.Elapsed.Round(time.Millisecond))
	return res, nil
}

// describe fills in what a Result says about the image itself.
func describe(tag name.Tag, img v1.Image) (Result, error) {
	res := Result{Repository: tag.Context().Name(), Tag: tag.TagStr()}
	var err error
	if res.Digest, err = img.Digest(); err != nil {
		return Result{}, err
	}
	if res.MediaType, err = img.MediaType(); err != nil {
		return Result{}, err
	}
	m, err := img.Manifest()
	if err != nil {
		return Result{}, err
	}
	res.Size = m.Config.Size
	seen := make(map[v1.Hash]bool)
	for _, l := range m.Layers {
		if !seen[l.Digest] {
			seen[l.Digest] = true
			res.Size += l.Size
		}
	}
	return res, nil
}

// writeOptions configures go-containerregistry for one push.
func writeOptions(ctx context.Context, t *tracker, opts Options) []remote.Option {
	o := []remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(&observer{base: remote.DefaultTransport, t: t}),
		remote.WithRetryBackoff(retryBackoff),
		remote.WithRetryStatusCodes(retryStatusCodes...),
		remote.WithRetryPredicate(transient),
		remote.WithUserAgent("berth-publish"),
	}
	if opts.Auth != nil {
		o = append(o, remote.WithAuth(opts.Auth))
	} else {
		o = append(o, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	return o
}

// reportLoop tells r about t every reportEvery until the returned stop
// is called, which reports and returns the final snapshot.
func reportLoop(t *tracker, r Reporter) (stop func(failed bool) Progress) {
	final := func(failed bool) Progress {
		p := t.snapshot(true)
		p.Failed = failed
		return p
	}
	if r == nil {
		return final
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(reportEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				r.Report(t.snapshot(false))
			}
		}
	})
	return func(failed bool) Progress {
		close(done)
		wg.Wait()
		p := final(failed)
		r.Report(p)
		return p
	}
}
