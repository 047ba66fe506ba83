package proxyctl

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
)

// The listening socket is handed out on the control socket itself, so
// that one path, taken over atomically, serves both: GET /v1/listener
// is answered by hand on the hijacked connection, the response's bytes
// sent in one sendmsg with a duplicate of the socket attached as
// SCM_RIGHTS. net/http cannot carry a descriptor, so the client writes
// that one request by hand too and reads the answer with recvmsg.

// errNoListener answers a process that has no listener to hand out.
var errNoListener = errors.New("no listening socket to hand out")

// listenerAnswer is the whole answer that carries the descriptor.
const listenerAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

func (s *Server) handleListener(w http.ResponseWriter, _ *http.Request) {
	if s.opts.Listener == nil {
		writeError(w, errNoListener)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		writeError(w, fmt.Errorf("handing out the listener: %w", err))
		return
	}
	defer conn.Close()
	uc, ok := conn.(*net.UnixConn)
	if !ok {
		s.log.Warn("a listener was asked for on a connection that cannot carry it", "conn", fmt.Sprintf("%T", conn))
		return
	}
	if err := sendFile(uc, s.opts.Listener, []byte(listenerAnswer)); err != nil {
		s.log.Warn("handing out the listening socket failed", "err", err)
	}
}

// sendFile writes msg on c with a duplicate of f's descriptor attached.
// It reaches the descriptor through SyscallConn, not f.Fd, which would
// put the socket, shared with the listener serving on it, in blocking
// mode.
func sendFile(c *net.UnixConn, f *os.File, msg []byte) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var werr error
	if err := rc.Control(func(fd uintptr) {
		_, _, werr = c.WriteMsgUnix(msg, syscall.UnixRights(int(fd)), nil)
	}); err != nil {
		return err
	}
	return werr
}

// Listener returns a duplicate of the proxy's listening socket, passed
// as SCM_RIGHTS over the control socket. The file keeps the socket's
// mode: giving it to exec.Cmd.ExtraFiles, whose Fd call would switch a
// socket from net's File to blocking mode, leaves the proxy serving on
// it unharmed. The caller closes it.
func (c *Client) Listener(ctx context.Context) (*os.File, error) {
	ctx, cancel := c.bound(ctx)
	defer cancel()
	f, err := c.listener(ctx)
	if err != nil {
		return nil, fmt.Errorf("taking the proxy's listening socket from %s: %w", c.path, err)
	}
	return f, nil
}

func (c *Client) listener(ctx context.Context) (*os.File, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.path)
	if err != nil {
		return nil, err
	}
	uc := conn.(*net.UnixConn)
	defer uc.Close()
	stop := context.AfterFunc(ctx, func() { uc.Close() })
	defer stop()
	if _, err := io.WriteString(uc, "GET /v1/listener HTTP/1.1\r\nHost: proxy\r\n\r\n"); err != nil {
		return nil, ctxErr(ctx, err)
	}
	buf := make([]byte, 4096)
	oob := make([]byte, syscall.CmsgSpace(4*4))
	n, oobn, flags, _, err := uc.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, ctxErr(ctx, err)
	}
	fds, err := parseRights(oob[:oobn])
	if err != nil {
		return nil, err
	}
	closeAll := func(fds []int) {
		for _, fd := range fds {
			syscall.Close(fd)
		}
	}
	if flags&syscall.MSG_CTRUNC != 0 {
		closeAll(fds)
		return nil, errors.New("the answer's descriptors were cut short")
	}
	resp, err := http.ReadResponse(bufio.NewReader(io.MultiReader(bytes.NewReader(buf[:n]), uc)), nil)
	if err != nil {
		closeAll(fds)
		return nil, ctxErr(ctx, fmt.Errorf("reading the answer: %w", err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		closeAll(fds)
		return nil, answerError(resp)
	}
	if len(fds) != 1 {
		closeAll(fds)
		return nil, fmt.Errorf("the answer carried %d descriptors, want 1", len(fds))
	}
	syscall.CloseOnExec(fds[0])
	return os.NewFile(uintptr(fds[0]), "proxy-listener"), nil
}

// parseRights returns the descriptors in the control messages oob.
func parseRights(oob []byte) ([]int, error) {
	if len(oob) == 0 {
		return nil, nil
	}
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, fmt.Errorf("reading the answer's control messages: %w", err)
	}
	var fds []int
	for _, m := range msgs {
		got, err := syscall.ParseUnixRights(&m)
		if err != nil {
			continue // not SCM_RIGHTS
		}
		fds = append(fds, got...)
	}
	return fds, nil
}

// answerError is the error an answer other than success stands for.
func answerError(resp *http.Response) error {
	var body errorBody
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body); err != nil || body.Error == "" {
		return fmt.Errorf("the proxy answered %s", resp.Status)
	}
	return body.decode()
}

// ctxErr prefers ctx's error to err, which ctx's end may have caused.
func ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}
