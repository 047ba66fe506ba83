// Package proxyctl runs the edge proxy as a process of its own and lets
// the control plane drive it over a Unix socket, so that the data path
// outlives the control plane: the proxy keeps serving from its last
// routing table while berth serve restarts, is upgraded or is down.
//
// # The process
//
// `berth proxy --data DIR` serves a proxy.Proxy on its listening socket
// and this package's Server on DIR/proxy/control.sock. berth serve starts
// and supervises it; it gets its routes from berth serve's deploy engine
// through a Client, and its state is kept in DIR/proxy/state.json, so
// that a proxy that restarts, however it ended, comes back with its
// routes, its backends' health, its stats and its sticky cookie key
// before it accepts a connection (proxy.State and proxy.Restore).
//
// The listening socket outlives every proxy process: berth serve holds a
// duplicate of it and passes it to each proxy it starts, so that while
// none accepts, connections wait in the socket's backlog rather than
// being refused. A proxy that retires stops accepting and drains;
// http.Server.Shutdown closes its own descriptor of the socket, which
// stays open through the others.
//
// # The control API
//
// HTTP with JSON bodies on the control socket, under /v1/ (durations in
// nanoseconds, as proxy.Route encodes them):
//
//	GET    /v1/info              Info
//	PUT    /v1/routes            proxy.Route: proxy.Set
//	DELETE /v1/routes/{host}     proxy.Remove
//	POST   /v1/drain             {"backend": ID}: proxy.Drain, answered when drained
//	GET    /v1/health?backend=ID {"healthy", "known"}: proxy.Healthy
//	GET    /v1/stats?host=&set=&revision=&window=1m  proxy.Stats
//	POST   /v1/save              write the state file now
//	GET    /v1/listener          the listening socket, as SCM_RIGHTS
//	POST   /v1/retire            {"drain_timeout": ns}: retire and exit
//
// A failure is answered with {"error", "kind"}, and the kind becomes the
// proxy's own error again in the Client (see Error), so that errors.Is
// and errors.As work across the socket as on a proxy.Proxy: an invalid
// route matches proxy.ErrInvalidRoute, a drain that timed out is a
// *proxy.DrainError.
//
// The listener endpoint does not fit net/http, which cannot carry a
// descriptor: the server hijacks the connection and sends its answer's
// bytes in one sendmsg with the descriptor attached, and the client
// writes that request by hand and reads the answer with recvmsg. Both
// live on the one control socket, so that one rename hands both over.
// The file the Client gets is safe to pass on in exec.Cmd.ExtraFiles:
// unlike one from net's File, its Fd does not put the socket, shared
// with the proxy serving on it, in blocking mode.
//
// A retire is answered at once with a line, {"state":"retiring"}; when
// the proxy has drained and saved, a second, {"state":"retired"} or an
// error; and then the connection is held until the process exits. The
// client learns that the process is gone from that connection closing,
// which holds even if a newer process took the control path meanwhile.
//
// Every Client call dials the socket afresh (no keep-alive), so that it
// reaches the process that holds the path now. Every call but Drain and
// Retire is bounded by a 5s timeout, so that a hung proxy cannot hang
// the deploy engine; Healthy and Stats answer zero values on failure,
// and Remove, which returns nothing, tries for about two seconds.
//
// # Taking over
//
// A new process binds its control socket under a temporary name in the
// same directory and renames it over control.sock: the path moves to it
// atomically, and the old process keeps serving the connections it has.
// From then on the old process no longer writes the state file, which is
// the new one's: Save returns ErrSuperseded. A lock file beside the state
// (state.json.lock) orders the rename against the old process's saves,
// so that none lands after it. Close removes control.sock only while it
// is still the process's own socket.
//
// The state is written when a route or a backend's health changes (at
// most every 50ms), every second while the stats change, on a retire,
// and when asked: to a temporary file, synced, then renamed over
// state.json, mode 0600, since it holds the sticky cookie key. A state
// file that cannot be restored is moved aside, to
// state.json.corrupt-<time>, and the proxy starts without routes rather
// than not at all.
package proxyctl
