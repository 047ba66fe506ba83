package gitops

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/berth-dev/berth/internal/gitsource"
	"github.com/berth-dev/berth/internal/imagepolicy"
	"github.com/berth-dev/berth/internal/spec"
)

// update is an image that automation writes into a file; app is as
// Controller.label names it.
type update struct {
	app, service, file string
	oldTag, oldDigest  string
	newTag, newDigest  string
	image              string // repo:tag@digest, as written
}

// automate proposes, for every service with an update policy, the tag
// its policy prefers to the one in git, and commits them all in one
// commit, pushed before it returns. It returns that commit, "" for none.
func (s *source) automate(ctx context.Context, repo *gitsource.Repo, v *commitView) (string, error) {
	var ups []update
	for _, id := range slices.SortedFunc(maps.Keys(v.apps), compareIDs) {
		d := v.apps[id]
		if d.problem != "" || s.isSuspended(id.key()) {
			continue
		}
		if r, err := get[restore](s.c.st, bucketRestores, id.key()); err != nil || r != nil {
			continue
		}
		for _, svc := range d.app.Services {
			if svc.ImagePolicy == nil {
				continue
			}
			u, ok, err := s.propose(ctx, d, svc)
			if err != nil {
				if ctx.Err() != nil {
					return "", ctx.Err()
				}
				s.c.log.Warn("image automation could not look at the registry", "source", s.cfg.Name, "app", id.name, "env", id.env,
					"service", svc.Name, "err", err)
				continue
			}
			if ok {
				ups = append(ups, u)
			}
		}
	}
	if len(ups) == 0 {
		return "", nil
	}
	c, err := repo.Update(ctx, gitsource.Change{
		Message: updateMessage(ups),
		Author:  s.author(),
		Edit: func(read func(string) ([]byte, error)) (map[string][]byte, error) {
			out := map[string][]byte{}
			for _, u := range ups {
				data, ok := out[u.file]
				if !ok {
					var err error
					if data, err = read(u.file); err != nil {
						if isNotExist(err) {
							continue // gone meanwhile: nothing to update
						}
						return nil, err
					}
				}
				next, err := spec.SetImage(data, u.service, u.image)
				if err != nil {
					s.c.log.Warn("image automation cannot edit the file", "source", s.cfg.Name, "file", u.file, "service", u.service, "err", err)
					continue
				}
				out[u.file] = next
			}
			return out, nil
		},
	})
	if errors.Is(err, gitsource.ErrNothingToCommit) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("writing image updates to git: %w", err)
	}
	for _, u := range ups {
		s.c.log.Info("image update written to git", "source", s.cfg.Name, "app", u.app, "service", u.service,
			"from", u.oldTag, "to", u.newTag, "digest", u.newDigest, "commit", short(c.Hash))
	}
	return c.Hash, nil
}

// propose finds the image svc's policy prefers to the one it runs.
func (s *source) propose(ctx context.Context, d *desired, svc spec.Service) (update, bool, error) {
	pol := *svc.ImagePolicy
	base, tag, pinned := repoOf(svc.Image)
	// What runs is what the file pins; a tag alone is what it points at.
	cur := pinned
	if cur == "" {
		cur = d.images[svc.Name].Digest
	}
	u := update{app: s.c.label(d.id()), service: svc.Name, file: d.file, oldTag: tag, oldDigest: cur}
	offer := func(t string, pin bool) (bool, error) {
		img, err := s.c.reg.Resolve(ctx, base+":"+t)
		if err != nil {
			return false, err
		}
		if img.Digest == cur && !pin {
			return false, nil
		}
		if no, err := s.c.st.rejected(d.id().key(), svc.Name, img.Digest); err != nil || no {
			return false, err
		}
		u.newTag, u.newDigest, u.image = t, img.Digest, base+":"+t+"@"+img.Digest
		return true, nil
	}
	if pol.Kind == imagepolicy.KindDigest {
		t := cmp.Or(pol.Tag, tag)
		// A tag the file does not pin yet is pinned, so that git says
		// what runs.
		ok, err := offer(t, pinned == "" || t != tag)
		return u, ok, err
	}
	tags, err := s.c.reg.Tags(ctx, base)
	if err != nil {
		return u, false, err
	}
	var cands []string
	for _, t := range tags {
		if t != tag && (tag == "" || pol.Prefers(t, tag)) {
			cands = append(cands, t)
		}
	}
	for len(cands) > 0 {
		best, ok := pol.Choose(cands)
		if !ok {
			break
		}
		if ok, err := offer(best, false); err != nil || ok {
			return u, ok, err
		}
		cands = slices.DeleteFunc(cands, func(t string) bool { return t == best })
	}
	return u, false, nil
}

// author signs berth's commits to the source.
func (s *source) author() gitsource.Signature {
	a := s.cfg.Commit.Author
	return gitsource.Signature{Name: a.Name, Email: a.Email}
}

// updateMessage says what a commit of image updates changes.
func updateMessage(ups []update) string {
	var b strings.Builder
	if len(ups) == 1 {
		u := ups[0]
		fmt.Fprintf(&b, "Update %s/%s to %s\n\n", u.app, u.service, u.newTag)
	} else {
		fmt.Fprintf(&b, "Update %d images\n\n", len(ups))
	}
	for _, u := range ups {
		fmt.Fprintf(&b, "%s/%s: %s (%s) -> %s (%s)\n", u.app, u.service, orNone(u.oldTag), orNone(u.oldDigest), u.newTag, u.newDigest)
	}
	b.WriteString("\nWritten by berth's image automation; it applies once pushed.\n")
	return b.String()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
