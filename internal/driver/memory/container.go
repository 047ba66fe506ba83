package memory

import (
	"context"
	"fmt"
	"maps"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/berth-dev/berth/internal/driver"
)

// container is one replica: its program's goroutine and what the host
// knows of it.
type container struct {
	inst  driver.Instance // ID, name, labels, address; State and Health under d.mu
	spec  driver.ContainerSpec
	img   *Image
	conns *conns
	logs  *logBuffer
	stop  context.CancelFunc // the stop signal
	// exited closes when the container has exited, by itself or killed.
	exited  chan struct{}
	restart int // restarts made under the restart policy
}

// Start starts the image's program with the spec's arguments on a new
// loopback address. It does not wait for the program to listen.
func (d *Driver) Start(ctx context.Context, spec driver.ContainerSpec) (driver.Instance, error) {
	if err := d.checkSpec(spec); err != nil {
		return driver.Instance{}, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.apps[spec.App]; !ok {
		return driver.Instance{}, fmt.Errorf("starting %s/%s: network of app %s: %w", spec.App, spec.Service, spec.App, driver.ErrNotFound)
	}
	img, ok := d.images[spec.Image]
	if !ok {
		return driver.Instance{}, fmt.Errorf("starting %s/%s: %w: %s is not on the host", spec.App, spec.Service, driver.ErrImage, spec.Image)
	}
	args := append(append([]string(nil), orDefault(spec.Entrypoint, img.Entrypoint)...), orDefault(spec.Command, img.Cmd)...)
	if spec.Entrypoint != nil && len(spec.Command) == 0 {
		args = append([]string(nil), spec.Entrypoint...) // a new entrypoint drops the image's command
	}
	if len(args) == 0 || args[0] != img.Path {
		return driver.Instance{}, fmt.Errorf("starting %s/%s: exec %q: no such file or directory", spec.App, spec.Service, first(args))
	}
	ip, l, err := bindFree(spec.Port)
	if err != nil {
		return driver.Instance{}, fmt.Errorf("starting %s/%s: %w", spec.App, spec.Service, err)
	}
	d.nextID++
	n := d.nextID
	id := fmt.Sprintf("%s%012x%036x", d.idPrefix, n, n)
	c := &container{spec: spec, img: img, logs: &logBuffer{}}
	c.inst = driver.Instance{
		ID: id, Name: fmt.Sprintf("berth-%s-%s-%s-r%d-%d-%04x", spec.App, spec.Service, spec.Set, spec.Revision, spec.Index, n&0xffff),
		App: spec.App, Service: spec.Service, Revision: spec.Revision, Set: spec.Set, Index: spec.Index,
		Image: spec.Image, State: "running", Health: "none", StartedAt: time.Now(),
		Labels: d.labels(spec, img),
	}
	if spec.Port > 0 {
		c.inst.Addr = ip + ":" + strconv.Itoa(spec.Port)
	}
	if spec.Health != nil {
		c.inst.Health = "starting"
	}
	d.ctrs[id] = c
	d.run(c, args, ip, l)
	d.eventLocked(Event{Kind: "start", App: spec.App, Service: spec.Service, Container: c.inst.Name, Revision: spec.Revision, Set: spec.Set, Volumes: volumesOf(spec)})
	return c.inst, nil
}

// run starts c's program, with l, if not nil, bound to its port; under
// the restart policy it starts again when it exits by itself. Called
// with d.mu held.
func (d *Driver) run(c *container, args []string, ip string, l net.Listener) {
	ctx, stop := context.WithCancel(context.Background())
	c.stop, c.conns, c.exited = stop, newConns(), make(chan struct{})
	p := &Process{Args: args, Env: append(append([]string(nil), c.img.Env...), c.spec.Env...), IP: ip, Stdout: c.logs, conns: c.conns}
	if l != nil {
		p.reserved = map[int]net.Listener{c.spec.Port: l}
		c.conns.add(l) // closed with the rest on a kill, if the program never took it
	}
	exited, conns := c.exited, c.conns
	go func() {
		code := c.img.Program(ctx, p)
		conns.kill()
		d.mu.Lock()
		defer d.mu.Unlock()
		select {
		case <-exited: // killed or removed before it returned
			return
		default:
		}
		c.inst.State, c.inst.ExitCode = "exited", code
		close(exited)
		stopped := ctx.Err() != nil
		if !stopped {
			d.eventLocked(Event{Kind: "exit", App: c.inst.App, Service: c.inst.Service, Container: c.inst.Name,
				Revision: c.inst.Revision, Set: c.inst.Set, Volumes: volumesOf(c.spec)})
		}
		if !stopped && d.restarts(c, code) && d.ctrs[c.inst.ID] == c {
			c.restart++
			c.inst.State, c.inst.StartedAt = "running", time.Now()
			var l net.Listener
			if c.spec.Port > 0 {
				l, _ = net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(c.spec.Port))) // a failed bind shows when the program listens
			}
			d.run(c, args, ip, l)
		}
	}()
	if c.spec.Health != nil {
		go d.checkHealth(ctx, c, exited, ip)
	}
}

// restarts reports whether the restart policy starts c again after it
// exited with code by itself.
func (d *Driver) restarts(c *container, code int) bool {
	r := c.spec.Runtime.Restart
	switch r.Name {
	case driver.RestartAlways, driver.RestartUnlessStopped:
		return true
	case driver.RestartOnFailure:
		return code != 0 && (r.MaxRetries == 0 || c.restart < r.MaxRetries)
	}
	return false
}

// Stop sends the stop signal, waits up to grace for the program to
// return, then kills it. A negative grace waits the spec's StopGrace.
func (d *Driver) Stop(ctx context.Context, id string, grace time.Duration) error {
	d.mu.Lock()
	c, ok := d.ctrs[id]
	d.mu.Unlock()
	if !ok {
		return fmt.Errorf("stopping container %s: %w", id, driver.ErrNotFound)
	}
	if grace < 0 {
		grace = c.spec.StopGrace
	}
	d.mu.Lock()
	stop, exited := c.stop, c.exited
	d.mu.Unlock()
	stop()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-exited:
	case <-t.C:
		d.kill(c, exited)
	case <-ctx.Done():
		return fmt.Errorf("stopping container %s: %w", id, ctx.Err())
	}
	d.event(Event{Kind: "stop", App: c.inst.App, Service: c.inst.Service, Container: c.inst.Name, Revision: c.inst.Revision, Set: c.inst.Set, Volumes: volumesOf(c.spec)})
	return nil
}

// kill ends c at once: exit code 137, its connections closed.
func (d *Driver) kill(c *container, exited chan struct{}) {
	d.mu.Lock()
	select {
	case <-exited:
		d.mu.Unlock()
		return
	default:
	}
	c.inst.State, c.inst.ExitCode = "exited", 137
	close(exited)
	conns := c.conns
	d.mu.Unlock()
	conns.kill()
}

// Remove kills the container if it runs and forgets it.
func (d *Driver) Remove(ctx context.Context, id string) error {
	d.mu.Lock()
	c, ok := d.ctrs[id]
	if ok {
		delete(d.ctrs, id)
	}
	d.mu.Unlock()
	if !ok {
		return fmt.Errorf("removing container %s: %w", id, driver.ErrNotFound)
	}
	d.mu.Lock()
	stop, exited := c.stop, c.exited
	d.mu.Unlock()
	stop()
	d.kill(c, exited)
	d.event(Event{Kind: "remove", App: c.inst.App, Service: c.inst.Service, Container: c.inst.Name, Revision: c.inst.Revision, Set: c.inst.Set, Volumes: volumesOf(c.spec)})
	return nil
}

// Inspect returns one container.
func (d *Driver) Inspect(ctx context.Context, id string) (driver.Instance, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.ctrs[id]
	if !ok {
		return driver.Instance{}, fmt.Errorf("inspecting container %s: %w", id, driver.ErrNotFound)
	}
	return snapshot(c), nil
}

// List returns the containers of app ("" for all), ordered as the
// Docker driver orders them.
func (d *Driver) List(ctx context.Context, app string) ([]driver.Instance, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := []driver.Instance{}
	for _, c := range d.ctrs {
		if app == "" || c.inst.App == app {
			out = append(out, snapshot(c))
		}
	}
	sortInstances(out)
	return out, nil
}

// Describe returns the runtime the container was started with, files
// without their content.
func (d *Driver) Describe(ctx context.Context, id string) (driver.Runtime, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.ctrs[id]
	if !ok {
		return driver.Runtime{}, fmt.Errorf("describing container %s: %w", id, driver.ErrNotFound)
	}
	rt := c.spec.Runtime
	rt.Files = nil
	for _, f := range c.spec.Runtime.Files {
		f.Content = nil
		rt.Files = append(rt.Files, f)
	}
	return rt, nil
}

// labels are the container's labels: the image's, the spec's, the
// driver's, and berth's own over all of them.
func (d *Driver) labels(spec driver.ContainerSpec, img *Image) map[string]string {
	l := maps.Clone(img.Labels)
	if l == nil {
		l = map[string]string{}
	}
	maps.Copy(l, spec.Labels)
	maps.Copy(l, d.opts.Labels)
	maps.Copy(l, map[string]string{
		driver.LabelManaged: "1", driver.LabelApp: spec.App, driver.LabelService: spec.Service,
		driver.LabelRevision: strconv.Itoa(spec.Revision), driver.LabelSet: spec.Set,
		driver.LabelIndex: strconv.Itoa(spec.Index),
	})
	return l
}

func snapshot(c *container) driver.Instance {
	i := c.inst
	i.Labels = maps.Clone(c.inst.Labels)
	if i.State != "running" {
		i.Addr = ""
	}
	return i
}

func orDefault(v, def []string) []string {
	if v != nil {
		return v
	}
	return def
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// logBuffer is a container's output, read while it is written.
type logBuffer struct {
	mu     sync.Mutex
	chunks []chunk
	more   chan struct{} // closed and replaced on every write
}

type chunk struct {
	at   time.Time
	data []byte
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.chunks = append(b.chunks, chunk{time.Now(), append([]byte(nil), p...)})
	if b.more != nil {
		close(b.more)
		b.more = nil
	}
	return len(p), nil
}

// from returns the chunks from index i on, and a channel closed by the
// next write.
func (b *logBuffer) from(i int) ([]chunk, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.more == nil {
		b.more = make(chan struct{})
	}
	return append([]chunk(nil), b.chunks[min(i, len(b.chunks)):]...), b.more
}
