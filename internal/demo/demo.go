package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/berth-dev/berth/internal/deploy"
)

// Options configure a demo run.
type Options struct {
	// Bin is the berth binary the demo runs for each step.
	Bin string
	// Example is the directory of the example app (main.go, Dockerfile,
	// compose.yaml); "" is the one built into berth.
	Example string
	// Listen and ProxyListen are tried first; a busy one is replaced by a
	// random loopback port.
	Listen, ProxyListen string
	// Labels go on everything berth starts (serve --label).
	Labels []string
	// Interactive waits for Enter before the promotion and keeps berth
	// running at the end until ctx ends; otherwise the demo promotes by
	// itself and cleans up when done.
	Interactive bool
	// Keep leaves the demo's directory (data, logs, the app's repository).
	Keep bool
	Out  io.Writer
	In   io.Reader
}

// app and host are the example's, as its compose.yaml names them.
const (
	app  = "hello"
	host = "hello.localhost"
)

// Run walks the whole path once.
func Run(ctx context.Context, opts Options) (err error) {
	out := opts.Out
	dir, err := os.MkdirTemp("", "berth-demo-")
	if err != nil {
		return err
	}
	defer func() {
		if opts.Keep {
			fmt.Fprintf(out, "\nThe demo's files are in %s\n", dir)
			return
		}
		os.RemoveAll(dir)
	}()
	d := &demo{opts: opts, out: out, dir: dir, enter: lines(opts.In)}
	defer d.cleanup()
	return d.walk(ctx)
}

// demo is one run's state.
type demo struct {
	opts  Options
	out   io.Writer
	dir   string
	srv   *server
	cmds  *commands
	ws    *workspace
	enter <-chan string
	step  int
}

const steps = 7

func (d *demo) title(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.out, "\n==> %d/%d %s\n", d.step, steps, fmt.Sprintf(format, args...))
}

func (d *demo) walk(ctx context.Context) error {
	d.title("Start berth: the registry, the deploy engine and the edge proxy in one process")
	srv, err := startServer(ctx, d.opts.Bin, d.dir, d.opts.Listen, d.opts.ProxyListen, d.opts.Labels)
	if err != nil {
		return err
	}
	d.srv = srv
	d.cmds = &commands{bin: d.opts.Bin, server: srv.registry, out: d.out}
	d.cmds.say(fmt.Sprintf("berth serve --listen %s --proxy-listen %s --data %s", srv.registry, srv.proxy, filepath.Join(d.dir, "data")))
	fmt.Fprintf(d.out, "    registry and API at http://%s, apps at http://%s (log: %s)\n", srv.registry, srv.proxy, srv.log)
	fmt.Fprintf(d.out, "    the commands below talk to it through BERTH_SERVER=http://%s\n", srv.registry)

	d.title("Write version 1.0.0 of the app and tag it in git")
	if d.ws, err = newWorkspace(d.opts.Example, d.dir); err != nil {
		return err
	}
	v1, err := d.release(ctx, "v1.0.0", "")
	if err != nil {
		return err
	}

	d.title("Deploy v1.0.0: three replicas behind the proxy at %s", host)
	compose := filepath.Join(d.ws.dir, "compose.yaml")
	if _, err := d.cmds.run(ctx, "deploy", "-f", compose, "--image", "web="+v1); err != nil {
		return err
	}
	if err := d.curl(ctx); err != nil {
		return err
	}

	d.title("Write version 1.1.0, tag it and publish it")
	v2, err := d.release(ctx, "v1.1.0", "Hello again from berth")
	if err != nil {
		return err
	}

	d.title("Roll v1.1.0 out as a canary under live traffic")
	t := startTraffic(srv.proxy, host)
	if _, err := d.cmds.run(ctx, "deploy", "-f", compose, "--image", "web="+v2, "--detach"); err != nil {
		t.finish()
		return err
	}
	if err := d.watchCanary(ctx, t); err != nil {
		t.finish()
		return err
	}

	d.title("Roll back to v1.0.0")
	if _, err := d.cmds.run(ctx, "rollback", app); err != nil {
		t.finish()
		return err
	}
	d.showShares(ctx, t, 3*time.Second)
	total, failed := t.finish()
	fmt.Fprintf(d.out, "    all along: %s, %d failed\n", shareLine(total, []string{"v1.0.0", "v1.1.0"}), failed)
	if failed > 0 {
		return fmt.Errorf("%d requests failed during the rollouts; see %s", failed, srv.log)
	}

	d.title("Look around")
	if _, err := d.cmds.run(ctx, "history", app); err != nil {
		return err
	}
	if _, err := d.cmds.run(ctx, "status", app); err != nil {
		return err
	}
	url := fmt.Sprintf("http://%s:%s/", host, portOf(srv.proxy))
	fmt.Fprintf(d.out, "\nOpen %s in a browser (or: curl -H 'Host: %s' http://%s/).\n", url, host, srv.proxy)
	if d.opts.Interactive {
		fmt.Fprintln(d.out, "berth keeps serving; press Ctrl-C to stop it and remove the demo.")
		<-ctx.Done()
		return nil
	}
	fmt.Fprintln(d.out, "Demo finished: published, deployed, canaried, promoted and rolled back with no failed request.")
	return nil
}

// release makes a version of the app: an optional code change, a build,
// a commit tagged version, and `berth publish`, which takes the tag from
// git. It returns the pushed reference with its digest.
func (d *demo) release(ctx context.Context, version, greeting string) (string, error) {
	if greeting != "" {
		if err := d.ws.setGreeting(greeting); err != nil {
			return "", err
		}
		d.cmds.say(fmt.Sprintf(`sed -i 's/greeting = .*/greeting = "%s"/' main.go`, greeting))
	}
	d.cmds.say("CGO_ENABLED=0 go build -o hello .")
	if err := d.ws.build(ctx); err != nil {
		return "", err
	}
	d.cmds.say(fmt.Sprintf("git commit -am 'Release %s' && git tag %s", version, version))
	if _, err := d.ws.commitAndTag("Release "+version, version); err != nil {
		return "", err
	}
	stdout, err := d.cmds.run(ctx, "publish", "--context", d.ws.dir, "--image", d.srv.registry+"/hello/web",
		"--build-arg", "VERSION="+version)
	if err != nil {
		return "", err
	}
	ref := lastLine(stdout)
	if !strings.Contains(ref, "@sha256:") || !strings.Contains(ref, ":"+version+"@") {
		return "", fmt.Errorf("berth publish printed %q, want REPO:%s@sha256:DIGEST", ref, version)
	}
	return ref, nil
}

// curl asks the app once through the proxy and shows the answer.
func (d *demo) curl(ctx context.Context) error {
	d.cmds.say(fmt.Sprintf("curl -H 'Host: %s' http://%s/", host, d.srv.proxy))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.srv.proxy+"/", nil)
	if err != nil {
		return err
	}
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("asking the app through the proxy: %w", err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
	fmt.Fprintf(d.out, "    %s", body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("the app answered %s", res.Status)
	}
	return nil
}

// watchCanary shows the traffic shares at every step of the canary and
// promotes it at its manual pause (after Enter when interactive), until
// the new revision is live.
func (d *demo) watchCanary(ctx context.Context, t *traffic) error {
	versions := []string{"v1.0.0", "v1.1.0"}
	lastMsg, shownAtPause := "", 0
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		st, err := d.status(ctx)
		if err != nil {
			return err
		}
		if st.Rollout == nil {
			fmt.Fprintf(d.out, "    %s\n", shareLine(t.take(), versions))
			if st.Live < 2 {
				return fmt.Errorf("the canary did not go live (live revision %d); see berth history %s", st.Live, app)
			}
			fmt.Fprintln(d.out, "    v1.1.0 is live on every replica")
			return nil
		}
		if ev := st.Rollout.LastEvent; ev != nil && ev.Message != lastMsg {
			lastMsg = ev.Message
			fmt.Fprintf(d.out, "    [rollout] %s\n", firstSentence(ev.Message))
		}
		fmt.Fprintf(d.out, "    %s\n", shareLine(t.take(), versions))
		if st.Rollout.Outcome != deploy.OutcomePaused {
			shownAtPause = 0
			continue
		}
		if shownAtPause++; shownAtPause < 2 {
			continue // let the shares at the pause show first
		}
		if d.opts.Interactive {
			fmt.Fprintf(d.out, "    The canary waits for you. Press Enter to promote it (berth rollout promote %s).\n", app)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-d.enter:
			}
		}
		if _, err := d.cmds.run(ctx, "rollout", "promote", app); err != nil {
			return err
		}
	}
	return errors.New("the canary did not finish within 5 minutes")
}

// showShares prints the shares every second for d.
func (d *demo) showShares(ctx context.Context, t *traffic, dur time.Duration) {
	t.take()
	end := time.Now().Add(dur)
	for time.Now().Before(end) && ctx.Err() == nil {
		time.Sleep(time.Second)
		fmt.Fprintf(d.out, "    %s\n", shareLine(t.take(), []string{"v1.0.0", "v1.1.0"}))
	}
}

// status reads the app's status from the API.
func (d *demo) status(ctx context.Context) (deploy.AppStatus, error) {
	var st deploy.AppStatus
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.srv.registry+"/api/apps/"+app, nil)
	if err != nil {
		return st, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return st, fmt.Errorf("reading the app's status: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return st, fmt.Errorf("reading the app's status: %s", res.Status)
	}
	return st, json.NewDecoder(res.Body).Decode(&st)
}

// cleanup removes the app and stops berth.
func (d *demo) cleanup() {
	if d.srv == nil {
		return
	}
	if d.cmds != nil && !d.opts.Keep {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		fmt.Fprintln(d.out, "\nCleaning up:")
		_, _ = d.cmds.run(ctx, "remove", app, "--yes")
		d.srv.stop()
		if n, err := removeImages(ctx, d.srv.registry+"/hello/web"); err != nil {
			fmt.Fprintf(d.out, "    could not remove the demo's images: %v\n", err)
		} else {
			fmt.Fprintf(d.out, "    removed %d images the host pulled for the demo\n", n)
		}
		return
	}
	d.srv.stop()
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[i+1:])
	}
	return s
}

func firstSentence(s string) string {
	if i := strings.Index(s, "; run `"); i >= 0 {
		return s[:i]
	}
	return s
}

func portOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i+1:]
	}
	return addr
}
