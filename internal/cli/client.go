package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/berth-dev/berth/internal/deploy"
)

// Environment variables of the commands that talk to a running server.
const (
	envServer   = "BERTH_SERVER"
	envUser     = "BERTH_USER"
	envPassword = "BERTH_PASSWORD"
)

// apiClient calls berth's JSON API.
type apiClient struct {
	base     *url.URL
	user     string
	password string
	http     *http.Client
	// env is the environment of the app a command acts on (--env), ""
	// for the server's default: the first.
	env string
}

// addServerFlags adds --server and --user to cmd.
func addServerFlags(cmd *cobra.Command) {
	server := os.Getenv(envServer)
	if server == "" {
		server = "http://127.0.0.1:5000"
	}
	cmd.Flags().String("server", server, "berth server to talk to (env "+envServer+")")
	cmd.Flags().String("user", os.Getenv(envUser), "account to call the API as, when the server authenticates: a user, or a robot with its token as the password (env "+envUser+"; password from "+envPassword+")")
}

// newAPIClient builds a client from the flags added by addServerFlags.
func newAPIClient(cmd *cobra.Command) (*apiClient, error) {
	server, _ := cmd.Flags().GetString("server")
	user, _ := cmd.Flags().GetString("user")
	u, err := url.Parse(strings.TrimSuffix(server, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--server %q: want an http:// or https:// URL", server)
	}
	c := &apiClient{base: u, user: user, http: &http.Client{}}
	if cmd.Flags().Lookup("env") != nil {
		c.env, _ = cmd.Flags().GetString("env")
	}
	if user != "" {
		c.password = os.Getenv(envPassword)
		if c.password == "" {
			return nil, fmt.Errorf("--user %s needs the password in %s", user, envPassword)
		}
	}
	return c, nil
}

// do sends a request to path (with query) and decodes the JSON answer
// into out. An error answer becomes an error that says what the server
// said.
func (c *apiClient) do(ctx context.Context, method, path string, query url.Values, out any) error {
	return c.send(ctx, method, path, query, nil, out)
}

// send is do with a JSON request body (nil for none).
func (c *apiClient) send(ctx context.Context, method, path string, query url.Values, in, out any) error {
	res, err := c.open(ctx, method, path, query, in)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("reading answer from %s: %w", c.base.Redacted(), err)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("decoding answer from %s: %w", c.base.Redacted(), err)
	}
	return nil
}

// open sends a request and returns the response of a success, for the
// caller to read (and close); an error answer becomes an error. A call
// on one app goes to the client's environment.
func (c *apiClient) open(ctx context.Context, method, path string, query url.Values, in any) (*http.Response, error) {
	query = c.withEnv(method, path, query)
	u := *c.base
	u.Path += path
	u.RawQuery = query.Encode()
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("encoding the request: %w", err)
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if in != nil || method != http.MethodGet && method != http.MethodHead {
		// The server refuses a state-changing call of any other type,
		// with or without a body: a web page cannot send this one.
		req.Header.Set("Content-Type", "application/json")
	}
	if c.user != "" {
		req.SetBasicAuth(c.user, c.password)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("calling %s: %w (is berth serve running there? see --server)", c.base.Redacted(), err)
	}
	if res.StatusCode < 300 {
		return res, nil
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	var e struct {
		Error     string `json:"error"`
		RequestID string `json:"requestId"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		msg := fmt.Sprintf("%s: %s", res.Status, e.Error)
		if app := appOfPath(method, path); res.StatusCode == http.StatusNotFound && app != "" && strings.Contains(e.Error, deploy.ErrAppUnknown.Error()) {
			msg += c.whereRuns(ctx, app, query.Get("env"))
		}
		if e.RequestID != "" {
			msg += fmt.Sprintf(" (request %s; the server's log has the details)", e.RequestID)
		}
		if res.StatusCode == http.StatusUnauthorized {
			msg += c.loginHint()
		}
		return nil, &apiError{status: res.StatusCode, msg: msg}
	}
	return nil, &apiError{status: res.StatusCode, msg: fmt.Sprintf("%s from %s", res.Status, u.Redacted())}
}

// loginHint says how to log in, after a 401.
func (c *apiClient) loginHint() string {
	if c.user == "" {
		return "; this berth needs an account: pass --user NAME (or set " + envUser + ") with its password, or a robot's token, in " + envPassword
	}
	return fmt.Sprintf("; check the password of %s in %s (a robot's is its token)", c.user, envPassword)
}

// apiError is an error answer from the server.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

// printJSON writes v indented.
func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
