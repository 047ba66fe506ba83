package registry

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/berth-dev/berth/internal/manifest"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/reference"
)

// maxPage is the largest page a client may ask for with ?n=.
const maxPage = 10000

// pageParams reads ?n= and ?last=. Without n the whole list is returned.
func pageParams(q url.Values) (n int, last string, err error) {
	last = q.Get("last")
	v := q.Get("n")
	if v == "" {
		return -1, last, nil
	}
	n, err = strconv.Atoi(v)
	if err != nil || n < 0 || n > maxPage {
		return 0, "", fmt.Errorf("n=%q: want an integer from 0 to %d: %w", v, maxPage, errPaginationInvalid)
	}
	return n, last, nil
}

// writePage writes a listing as JSON with a Link header when more follows.
func writePage(w http.ResponseWriter, path string, n int, page meta.Page, body any) error {
	if page.More && n > 0 {
		next := url.Values{"n": {strconv.Itoa(n)}, "last": {page.Items[len(page.Items)-1]}}
		w.Header().Set("Link", fmt.Sprintf(`<%s?%s>; rel="next"`, path, next.Encode()))
	}
	return writeJSON(w, "application/json", body)
}

func writeJSON(w http.ResponseWriter, contentType string, body any) error {
	data, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encoding response: %w", err)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
	return nil
}

func nonNil(items []string) []string {
	if items == nil {
		return []string{}
	}
	return items
}

func (g *Registry) tags(w http.ResponseWriter, r *http.Request, rt call) error {
	n, last, err := pageParams(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := g.meta.Tags(rt.name, last, n)
	if err != nil {
		return err
	}
	return writePage(w, r.URL.Path, n, page, struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{rt.name, nonNil(page.Items)})
}

func (g *Registry) catalog(w http.ResponseWriter, r *http.Request, _ call) error {
	n, last, err := pageParams(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := g.meta.Repositories(last, n)
	if err != nil {
		return err
	}
	return writePage(w, r.URL.Path, n, page, struct {
		Repositories []string `json:"repositories"`
	}{nonNil(page.Items)})
}

// referrers answers with an image index of the manifests whose subject is
// the given digest, filtered by ?artifactType= when asked.
func (g *Registry) referrers(w http.ResponseWriter, r *http.Request, rt call) error {
	d, err := reference.ParseDigest(rt.arg)
	if err != nil {
		return err
	}
	artifactType := r.URL.Query().Get("artifactType")
	descs, err := g.meta.Referrers(rt.name, d, artifactType)
	if err != nil {
		return err
	}
	if artifactType != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	idx := v1.Index{MediaType: manifest.OCIIndex, Manifests: descs}
	idx.SchemaVersion = 2
	return writeJSON(w, manifest.OCIIndex, idx)
}
