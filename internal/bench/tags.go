package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// tagName is the i-th of the tags the benchmark puts: t00000, t00001, ...
func tagName(i int) string {
	return fmt.Sprintf("t%05d", i)
}

// putTags puts img's manifest in repo under n tags on workers concurrent
// clients. The image's blobs must already be in repo.
func putTags(ctx context.Context, t Target, repo string, img image, n, workers int) error {
	return forEach(ctx, n, workers, func(ctx context.Context, i int) error {
		return t.putManifest(ctx, repo, tagName(i), img.manifest)
	})
}

// listTags lists every tag of repo, following rel="next" links for
// registries that paginate. It stops with an error once more than limit
// tags arrive, so that a registry that keeps linking cannot loop forever.
func listTags(ctx context.Context, t Target, repo string, limit int) ([]string, error) {
	var all []string
	u := t.endpoint("/v2/" + repo + "/tags/list")
	for u != nil {
		page, next, err := listTagsPage(ctx, t, u)
		if err != nil {
			return nil, fmt.Errorf("listing tags: %w", err)
		}
		all = append(all, page...)
		if len(all) > limit {
			return nil, fmt.Errorf("listing tags: more than the %d tags pushed", limit)
		}
		if next != nil && len(page) == 0 {
			return nil, errors.New("listing tags: an empty page links to another")
		}
		u = next
	}
	return all, nil
}

// listTagsPage fetches one page of a tag list and where the next one is,
// nil at the end.
func listTagsPage(ctx context.Context, t Target, u *url.URL) ([]string, *url.URL, error) {
	resp, err := t.do(ctx, call{method: http.MethodGet, url: u, accept: "application/json", want: http.StatusOK})
	if err != nil {
		return nil, nil, err
	}
	defer drain(resp)
	var page struct {
		Tags []string `json:"tags"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		return nil, nil, fmt.Errorf("decoding %s: %w", u.Redacted(), err)
	}
	link := nextLink(resp.Header.Values("Link"))
	if link == "" {
		return page.Tags, nil, nil
	}
	next, err := url.Parse(link)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing Link %q: %w", link, err)
	}
	return page.Tags, resp.Request.URL.ResolveReference(next), nil
}

// timeTagLists lists the tags of repo repeat times and returns the median
// time of one full listing. Every listing must return exactly the want
// distinct tags; that check is not timed.
func timeTagLists(ctx context.Context, t Target, repo string, want, repeat int) (time.Duration, error) {
	times := make([]time.Duration, 0, repeat)
	for range repeat {
		start := time.Now()
		tags, err := listTags(ctx, t, repo, want)
		if err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
		if err := checkTags(tags, want); err != nil {
			return 0, err
		}
	}
	return median(times), nil
}

func checkTags(tags []string, want int) error {
	seen := make(map[string]bool, len(tags))
	for _, tag := range tags {
		seen[tag] = true
	}
	if len(tags) != want || len(seen) != want {
		return fmt.Errorf("listing tags: got %d tags (%d distinct), want %d", len(tags), len(seen), want)
	}
	return nil
}
