package publish

import (
	"bytes"
	"io"
	"net/http"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// observer is the innermost transport of a push: it sees the requests
// that reach the registry (each attempt of each, after authentication)
// and tells the tracker which blobs the registry has (HEAD 200, or a
// cross-repository mount answered 201) and which uploads it accepted
// (PUT 201). A HEAD the registry refuses (401, 403) has no body to say
// why, so the observer asks again with a GET and gives the HEAD's
// answer that body: the error then carries the registry's message.
type observer struct {
	base http.RoundTripper
	t    *tracker
}

// maxErrorBody is the most of a refusal's body the observer reads.
const maxErrorBody = 64 << 10

func (o *observer) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	path := req.URL.Path
	switch {
	case req.Method == http.MethodHead && resp.StatusCode == http.StatusOK && strings.Contains(path, "/blobs/"):
		if d, err := v1.NewHash(path[strings.LastIndex(path, "/")+1:]); err == nil {
			o.t.exists(d)
		}
	case req.Method == http.MethodPost && resp.StatusCode == http.StatusCreated && req.URL.Query().Has("mount"):
		if d, err := v1.NewHash(req.URL.Query().Get("mount")); err == nil {
			o.t.exists(d)
		}
	case req.Method == http.MethodPut && resp.StatusCode == http.StatusCreated && strings.Contains(path, "/blobs/uploads/"):
		if d, err := v1.NewHash(req.URL.Query().Get("digest")); err == nil {
			o.t.committed(d)
		}
	case req.Method == http.MethodHead && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden):
		o.explain(req, resp)
	}
	return resp, nil
}

// explain gives resp, a refused HEAD, the body of the same request made
// with GET, when the registry refuses that the same way.
func (o *observer) explain(head *http.Request, resp *http.Response) {
	get := head.Clone(head.Context())
	get.Method = http.MethodGet
	again, err := o.base.RoundTrip(get)
	if err != nil {
		return
	}
	defer again.Body.Close()
	if again.StatusCode != resp.StatusCode {
		return
	}
	body, err := io.ReadAll(io.LimitReader(again.Body, maxErrorBody))
	if err != nil || len(body) == 0 {
		return
	}
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
}
