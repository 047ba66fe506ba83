package appserver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// maxProbeBody is how much of the answer a probe reads and prints.
const maxProbeBody = 64 << 10

// Probe is the test app as a verification job: it GETs $BERTH_TARGET_URL,
// or $PROBE_PATH resolved against it when set, with client, prints the
// URL, the status and the body to w, and returns the exit code: 0 when
// the answer is 200 and its body holds $EXPECT_BODY (when set), 1
// otherwise, 2 when the variables are wrong. $PROBE_TIMEOUT bounds the
// request (default 10s).
func Probe(ctx context.Context, getenv func(string) string, client *http.Client, w io.Writer) int {
	target := getenv("BERTH_TARGET_URL")
	if target == "" {
		fmt.Fprintln(w, "probe: BERTH_TARGET_URL is not set")
		return 2
	}
	u, err := url.Parse(target)
	if err != nil {
		fmt.Fprintf(w, "probe: BERTH_TARGET_URL=%q: %v\n", target, err)
		return 2
	}
	if p := getenv("PROBE_PATH"); p != "" {
		ref, err := url.Parse(p)
		if err != nil {
			fmt.Fprintf(w, "probe: PROBE_PATH=%q: %v\n", p, err)
			return 2
		}
		u = u.ResolveReference(ref)
	}
	timeout := 10 * time.Second
	if v := getenv("PROBE_TIMEOUT"); v != "" {
		if timeout, err = time.ParseDuration(v); err != nil || timeout <= 0 {
			fmt.Fprintf(w, "probe: PROBE_TIMEOUT=%q is not a duration\n", v)
			return 2
		}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		fmt.Fprintf(w, "probe: %v\n", err)
		return 2
	}
	resp, err := client.Do(req)
	if err != nil {
		fmt.Fprintf(w, "probe: GET %s: %v\n", u, err)
		return 1
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxProbeBody))
	fmt.Fprintf(w, "probe: GET %s: %s\n%s", u, resp.Status, body)
	if len(body) > 0 && body[len(body)-1] != '\n' {
		fmt.Fprintln(w)
	}
	switch want := getenv("EXPECT_BODY"); {
	case err != nil:
		fmt.Fprintf(w, "probe: FAIL: reading the body: %v\n", err)
	case resp.StatusCode != http.StatusOK:
		fmt.Fprintf(w, "probe: FAIL: want 200 OK\n")
	case want != "" && !strings.Contains(string(body), want):
		fmt.Fprintf(w, "probe: FAIL: the body does not contain %q\n", want)
	default:
		fmt.Fprintln(w, "probe: PASS")
		return 0
	}
	return 1
}
