// Package accesslog writes one structured line per HTTP request, with
// log/slog: when it ended (time), the client's address (client), host,
// method, path, status, bytes of the response body, duration, and who
// made it (account) or where it went (upstream). Open makes the logger
// of a destination from the configuration (stderr, off or a file) and
// Handler logs the requests of an http.Handler; the edge proxy logs its
// own, with Line.
package accesslog
