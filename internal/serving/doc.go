// Package serving runs an http.Server so that stopping it drops no
// request it accepted. http.Server.Shutdown answers the requests whose
// handlers run, but a connection it accepted that has not sent its first
// request yet is closed as soon as that request is read, unanswered: the
// client, on a new connection, sees EOF and may not retry. A Server
// therefore stops in three steps: it stops accepting and lets Serve
// return, so that every connection accepted is known; it waits until
// each of those has sent its first request (or a short while has
// passed); and only then does it shut down, draining what runs.
//
// Closing the listener closes this process's descriptor only: a socket
// another process holds, as berth's processes hand sockets over, stays
// open for it, and connections wait in it.
package serving
