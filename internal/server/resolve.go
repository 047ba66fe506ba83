package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/berth-dev/berth/internal/deploy"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/reference"
)

// resolver pins image references for the deploy engine. A reference to
// this berth's own registry (its host, or no host at all) is resolved in
// the metadata store; any other registry is asked over HTTP.
type resolver struct {
	db *meta.DB
	// self are the host:port forms that name this registry.
	self map[string]bool
	// pullHost is how the container runtime reaches this registry.
	pullHost string
	// token, if set, issues pull-only tokens for a repository.
	token func(repo string) (string, error)
}

func newResolver(db *meta.DB, listen net.Addr, token func(string) (string, error)) *resolver {
	_, port, _ := net.SplitHostPort(listen.String())
	host, _, _ := net.SplitHostPort(listen.String())
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	r := &resolver{db: db, pullHost: net.JoinHostPort(host, port), token: token, self: map[string]bool{}}
	for _, h := range []string{host, "127.0.0.1", "localhost", "[::1]"} {
		r.self[h+":"+port] = true
	}
	return r
}

// Resolve implements deploy.Resolver.
func (r *resolver) Resolve(ctx context.Context, ref string) (deploy.ServiceImage, error) {
	host, repo, tag, dgst := reference.Split(ref)
	if host != "" && !r.self[host] {
		return r.remote(ctx, ref)
	}
	if err := reference.ValidateName(repo); err != nil {
		return deploy.ServiceImage{}, err
	}
	want := dgst
	if want == "" {
		if tag == "" {
			return deploy.ServiceImage{}, errors.New("name a tag or a digest: berth never deploys an implicit latest")
		}
		want = tag
	}
	m, err := r.db.Manifest(repo, want)
	if errors.Is(err, meta.ErrNameUnknown) || errors.Is(err, meta.ErrManifestUnknown) {
		return deploy.ServiceImage{}, fmt.Errorf("%s:%s is not in this registry; push it first", repo, want)
	}
	if err != nil {
		return deploy.ServiceImage{}, err
	}
	return deploy.ServiceImage{Ref: ref, Image: r.pullHost + "/" + repo + "@" + m.Digest.String(), Digest: m.Digest.String()}, nil
}

// remote resolves a reference to another registry, with the host's
// Docker credentials for it.
func (r *resolver) remote(ctx context.Context, ref string) (deploy.ServiceImage, error) {
	parsed, err := name.ParseReference(ref, name.StrictValidation)
	if err != nil {
		return deploy.ServiceImage{}, err
	}
	desc, err := remote.Head(parsed, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return deploy.ServiceImage{}, fmt.Errorf("asking %s: %w", parsed.Context().RegistryStr(), err)
	}
	pinned := parsed.Context().Name() + "@" + desc.Digest.String()
	return deploy.ServiceImage{Ref: ref, Image: pinned, Digest: desc.Digest.String()}, nil
}

// Tags lists the tags of repository repo (a reference without tag or
// digest): from the store for this registry, over HTTP with the Docker
// credentials of the host for any other.
func (r *resolver) Tags(ctx context.Context, repo string) ([]string, error) {
	host, path, _, _ := reference.Split(repo)
	if host != "" && !r.self[host] {
		parsed, err := name.NewRepository(repo, name.StrictValidation)
		if err != nil {
			return nil, err
		}
		tags, err := remote.List(parsed, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
		if err != nil {
			return nil, fmt.Errorf("listing the tags of %s: %w", repo, err)
		}
		return tags, nil
	}
	infos, err := r.db.TagInfos(path)
	if errors.Is(err, meta.ErrNameUnknown) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	tags := make([]string, len(infos))
	for i, t := range infos {
		tags[i] = t.Tag
	}
	return tags, nil
}

// pullAuth gives the container runtime a pull token for images of this
// registry; other registries get the runtime's own credentials.
func (r *resolver) pullAuth(_ context.Context, ref string) (string, error) {
	host, repo, _, _ := reference.Split(ref)
	if r.token == nil || host != r.pullHost {
		return "", nil
	}
	tok, err := r.token(repo)
	if err != nil || tok == "" {
		return "", err
	}
	data, err := json.Marshal(map[string]string{"registrytoken": tok})
	if err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(data), nil
}
