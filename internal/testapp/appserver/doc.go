// Package appserver is the test app's HTTP service: the small program
// berth's tests build into a FROM scratch image and deploy
// (internal/testapp/app wraps it in a process), and that an in-process
// driver serves in a goroutine. Its behaviour is set by environment
// variables so that one image can play a healthy, failing, slow, flaky
// or crashing service:
//
//	PORT               port to listen on (default 8080)
//	VERSION            version it reports on GET / (default "dev")
//	FAIL_HEALTH=1      GET /healthz answers 500
//	FAIL_HEALTH_AFTER  GET /healthz answers 500 once this duration has passed since start
//	FAIL_RATE          share (0..1) of GET / requests that answer 500
//	DELAY              duration every GET / waits before answering
//	EXIT_AFTER         duration after which it exits by itself, with EXIT_CODE (default 1)
//
// Routes: GET / answers "<VERSION>\n" with an X-Version header; GET
// /healthz answers "ok"; GET /stream writes a line every 100ms for one
// second; GET /ws is a WebSocket echo (see websocket.go).
//
// Other routes show what the runtime applied, as seen from inside:
// GET /id (uid, gid, groups, hostname, domain name, pid, working
// directory), GET /env?name=K (a variable's value), GET /fs?path=P (a
// file's type, mode, owner, content or link target, and the size and
// read-only flag of its filesystem), PUT /fs?path=P (writes the body
// there, or with &dir=1 makes that directory, answering the error, such as a read-only filesystem's, with
// 500), GET /limits (the cgroup's memory, pids and CPU limits, see
// limits.go) and GET /resolve?name=N (the addresses a name resolves
// to).
//
// Probe is the app as a verification job (x-berth.verify): it GETs
// BERTH_TARGET_URL (with PROBE_PATH resolved against it, when set),
// prints the status and body, and says 0 on 200 with EXPECT_BODY in the
// body, when set, and 1 otherwise (see probe.go).
package appserver
