package publish

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrNoPush reports credentials the registry does not let push to a
// repository.
var ErrNoPush = errors.New("may not push")

// PushDenied is ErrNoPush with the repository and the registry's answer.
type PushDenied struct {
	Repository string
	Err        error // what the registry said
}

func (e *PushDenied) Error() string {
	return fmt.Sprintf("%v to %s: %v", ErrNoPush, e.Repository, e.Err)
}

func (e *PushDenied) Unwrap() []error { return []error{ErrNoPush, e.Err} }

// CheckPush asks the registry whether opts' credentials may push to
// repo, before anything is built: it starts an upload and cancels it.
// A refusal is a *PushDenied; other failures come back as they are.
func CheckPush(ctx context.Context, repo name.Repository, opts Options) error {
	var kc authn.Keychain = authn.DefaultKeychain
	if opts.Auth != nil {
		kc = fixedKeychain{opts.Auth}
	}
	err := remote.CheckPushPermission(repo.Tag("berth-push-check"), kc, remote.DefaultTransport)
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return &PushDenied{Repository: repo.RepositoryStr(), Err: err}
	}
	if err != nil {
		return fmt.Errorf("checking the right to push to %s: %w", repo, err)
	}
	return ctx.Err()
}

// fixedKeychain gives the one authenticator for every registry.
type fixedKeychain struct{ auth authn.Authenticator }

func (k fixedKeychain) Resolve(authn.Resource) (authn.Authenticator, error) { return k.auth, nil }

// Revision reads the commit the image at ref (REPO:TAG) was built from:
// its org.opencontainers.image.revision label, "" when it has none.
func Revision(ctx context.Context, ref name.Reference, opts Options) (string, error) {
	o := []remote.Option{remote.WithContext(ctx), remote.WithUserAgent("berth-publish")}
	if opts.Auth != nil {
		o = append(o, remote.WithAuth(opts.Auth))
	} else {
		o = append(o, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	}
	img, err := remote.Image(ref, o...)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", ref, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return "", fmt.Errorf("reading the config of %s: %w", ref, err)
	}
	return cfg.Config.Labels[labelRevision], nil
}

// labelRevision is the OCI label of the commit an image was built from.
const labelRevision = "org.opencontainers.image.revision"
