// Package idlebody cuts request bodies that stop making progress. A
// handler wrapped by Handler gets a read deadline pushed forward on every
// read of the body, so a client that stops sending fails the read and
// loses its connection after the idle time, while an upload that keeps
// sending, however slowly and however long, is never cut. It suits any
// HTTP/1 listener that takes bodies from clients it does not trust.
package idlebody
