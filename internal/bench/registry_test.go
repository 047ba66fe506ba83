package bench

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"
)

// memRegistry is a small in-memory registry that speaks just the part of
// the Distribution API the benchmark uses. Its upload locations are
// relative and carry a query, and it pages tag lists pageSize at a time,
// so the client's handling of both is exercised.
type memRegistry struct {
	pageSize int
	// failManifests makes every manifest GET answer 500.
	failManifests bool

	mu        sync.Mutex
	uploads   map[string][]byte
	blobs     map[string][]byte
	manifests map[string][]byte // repo + ":" + ref
	tags      map[string][]string
	nextID    int
}

func newMemRegistry(pageSize int) *memRegistry {
	return &memRegistry{
		pageSize:  pageSize,
		uploads:   map[string][]byte{},
		blobs:     map[string][]byte{},
		manifests: map[string][]byte{},
		tags:      map[string][]string{},
	}
}

func (m *memRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, "/v2/")
	switch {
	case p == "":
		w.WriteHeader(http.StatusOK)
	case strings.Contains(p, "/blobs/uploads/"):
		repo, id, _ := strings.Cut(p, "/blobs/uploads/")
		m.upload(w, r, repo, id)
	case strings.Contains(p, "/blobs/") && r.Method == http.MethodGet:
		_, d, _ := strings.Cut(p, "/blobs/")
		m.serve(w, m.get(m.blobs, d))
	case strings.Contains(p, "/manifests/"):
		repo, ref, _ := strings.Cut(p, "/manifests/")
		m.manifest(w, r, repo, ref)
	case strings.HasSuffix(p, "/tags/list"):
		m.listTags(w, r, strings.TrimSuffix(p, "/tags/list"))
	default:
		http.NotFound(w, r)
	}
}

func (m *memRegistry) get(from map[string][]byte, key string) []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return from[key]
}

func (m *memRegistry) serve(w http.ResponseWriter, data []byte) {
	if data == nil {
		http.Error(w, `{"errors":[{"code":"BLOB_UNKNOWN"}]}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	_, _ = w.Write(data)
}

func (m *memRegistry) upload(w http.ResponseWriter, r *http.Request, repo, id string) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Method == http.MethodPost {
		m.nextID++
		id = strconv.Itoa(m.nextID)
		m.uploads[id] = nil
	}
	data, ok := m.uploads[id]
	if !ok || r.URL.Query().Get("_state") != id && r.Method != http.MethodPost {
		http.Error(w, "unknown upload, or its state parameter was lost", http.StatusNotFound)
		return
	}
	m.uploads[id] = append(data, body...)
	switch r.Method {
	case http.MethodPost, http.MethodPatch:
		w.Header().Set("Location", fmt.Sprintf("/v2/%s/blobs/uploads/%s?_state=%s", repo, id, id))
		w.WriteHeader(http.StatusAccepted)
	case http.MethodPut:
		want := r.URL.Query().Get("digest")
		if digest.FromBytes(m.uploads[id]).String() != want {
			http.Error(w, "digest mismatch", http.StatusBadRequest)
			return
		}
		m.blobs[want] = m.uploads[id]
		delete(m.uploads, id)
		w.WriteHeader(http.StatusCreated)
	}
}

func (m *memRegistry) manifest(w http.ResponseWriter, r *http.Request, repo, ref string) {
	if r.Method == http.MethodGet {
		if m.failManifests {
			http.Error(w, "broken", http.StatusInternalServerError)
			return
		}
		m.serve(w, m.get(m.manifests, repo+":"+ref))
		return
	}
	body, _ := io.ReadAll(r.Body)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.manifests[repo+":"+ref]; !ok {
		m.tags[repo] = append(m.tags[repo], ref)
	}
	m.manifests[repo+":"+ref] = body
	w.WriteHeader(http.StatusCreated)
}

func (m *memRegistry) listTags(w http.ResponseWriter, r *http.Request, repo string) {
	m.mu.Lock()
	tags := slices.Sorted(slices.Values(m.tags[repo]))
	m.mu.Unlock()
	last := r.URL.Query().Get("last")
	start, _ := slices.BinarySearch(tags, last)
	if last != "" && start < len(tags) && tags[start] == last {
		start++
	}
	end := min(start+m.pageSize, len(tags))
	if end < len(tags) {
		next := url.Values{"n": {strconv.Itoa(m.pageSize)}, "last": {tags[end-1]}}
		w.Header().Set("Link", fmt.Sprintf(`</v2/%s/tags/list?%s>; rel="next"`, repo, next.Encode()))
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"name":%q,"tags":[%s]}`, repo, quoteAll(tags[start:end]))
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ",")
}
