package bench

import (
	"context"
	"fmt"
)

func (r *runner) push(ctx context.Context, s *session) ([]float64, error) {
	d, err := pushFile(ctx, s.target, s.prefix+"/blob", r.big)
	if err != nil {
		return nil, err
	}
	s.bigPushed = true
	mbps := mbPerSecond(r.big.size, d)
	if r.shaRow == nil {
		return []float64{mbps}, nil
	}
	sha := *r.shaRow.Cells[s.index].Value
	return []float64{mbps, 100 * mbps / sha}, nil
}

func (r *runner) pull(ctx context.Context, s *session) ([]float64, error) {
	repo := s.prefix + "/blob"
	if !s.bigPushed {
		r.say(s.target, "pushing the %s blob to pull it (untimed)", FormatSize(r.big.size))
		if _, err := pushFile(ctx, s.target, repo, r.big); err != nil {
			return nil, err
		}
		s.bigPushed = true
	}
	d, err := pullFile(ctx, s.target, repo, r.big)
	if err != nil {
		return nil, err
	}
	return []float64{mbPerSecond(r.big.size, d)}, nil
}

func (r *runner) pushSmall(ctx context.Context, s *session) ([]float64, error) {
	d, err := pushSmall(ctx, s.target, s.prefix+"/small", r.small, r.cfg.SmallConcurrency)
	if err != nil {
		return nil, err
	}
	return []float64{perSecond(len(r.small), d)}, nil
}

func (r *runner) getManifests(ctx context.Context, s *session) ([]float64, error) {
	repo := s.prefix + "/manifest"
	if err := s.target.pushImageBlobs(ctx, repo, r.img); err != nil {
		return nil, fmt.Errorf("preparing manifest: %w", err)
	}
	if err := s.target.putManifest(ctx, repo, "v1", r.img.manifest); err != nil {
		return nil, fmt.Errorf("preparing manifest: %w", err)
	}
	u := s.target.endpoint("/v2/" + repo + "/manifests/v1")
	l, err := getManifests(ctx, s.target, u, r.cfg.Clients, r.cfg.Duration)
	if err != nil {
		return nil, err
	}
	return []float64{
		perSecond(l.requests, l.elapsed),
		milliseconds(percentile(l.latencies, 50)),
		milliseconds(percentile(l.latencies, 99)),
	}, nil
}

func (r *runner) listTags(ctx context.Context, s *session) ([]float64, error) {
	repo := s.prefix + "/tags"
	r.say(s.target, "putting %d tags (untimed)", r.cfg.Tags)
	if err := s.target.pushImageBlobs(ctx, repo, r.img); err != nil {
		return nil, fmt.Errorf("preparing tags: %w", err)
	}
	if err := putTags(ctx, s.target, repo, r.img, r.cfg.Tags, r.cfg.SmallConcurrency); err != nil {
		return nil, fmt.Errorf("preparing tags: %w", err)
	}
	d, err := timeTagLists(ctx, s.target, repo, r.cfg.Tags, r.cfg.Repeat)
	if err != nil {
		return nil, err
	}
	return []float64{milliseconds(d)}, nil
}
