package proxy

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The tests here hold the proxy to this: what a client controls cannot
// move a set's stats, which decide whether a canary is promoted or rolled
// back.

// startReadingBackend starts a backend that reads a request's body to the
// end before it answers with the body's length, and says on arrived that
// a request came.
func startReadingBackend(t testing.TB) (srv *httptest.Server, arrived chan struct{}) {
	t.Helper()
	arrived = make(chan struct{}, 16)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		n, err := io.Copy(io.Discard, r.Body)
		if err != nil {
			return
		}
		io.WriteString(w, strings.Repeat("x", int(n)))
	}))
	t.Cleanup(srv.Close)
	return srv, arrived
}

// rawRequest sends raw on a new connection to the proxy and returns the
// connection, with a deadline a few seconds away.
func rawRequest(t testing.TB, front *httptest.Server, raw string) *net.TCPConn {
	t.Helper()
	conn, err := net.Dial("tcp", front.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, raw); err != nil {
		t.Fatal(err)
	}
	return conn.(*net.TCPConn)
}

func TestABodyTheClientDidNotFinishIsItsFault(t *testing.T) {
	const head = "POST /upload HTTP/1.1\r\nHost: shop.local\r\n"
	tests := []struct {
		name   string
		raw    string
		gone   bool // the client closes its connection, not only its side
		status int
	}{
		{"a malformed chunked body gets 400", head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", false, http.StatusBadRequest},
		{"a malformed chunk on a preview gets 400", head + "X-Berth-Preview: green\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n", false, http.StatusBadRequest},
		{"a body shorter than its length gets 400", head + "Content-Length: 100\r\n\r\nhello", false, http.StatusBadRequest},
		{"a client gone mid-body is not counted", head + "Content-Length: 100\r\n\r\nhello", true, 0},
		{"a client gone mid-chunk is not counted", head + "Transfer-Encoding: chunked\r\n\r\n64\r\nhello", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, front := newProxy(t, Options{})
			srv, arrived := startReadingBackend(t)
			mustSet(t, p, Route{Host: "shop.local", Sets: []Set{
				{Name: "blue", Revision: 1, Weight: 0},
				{Name: "green", Revision: 2, Weight: 100, Backends: []Backend{backendOf("green", srv)}},
			}})
			conn := rawRequest(t, front, tt.raw)
			<-arrived
			if tt.gone {
				conn.Close()
			} else {
				conn.CloseWrite()
				resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
				if err != nil {
					t.Fatalf("no answer: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
				}
			}
			eventually(t, "the request to end", func() bool { return idleBackend(p, "green") })
			if st := p.Stats("shop.local", "green", 2, time.Minute); st.Requests != 0 || st.Errors != 0 {
				t.Fatalf("green counted %d requests and %d errors, want none", st.Requests, st.Errors)
			}
		})
	}
	t.Run("a whole body is answered and counted", func(t *testing.T) {
		p, front := newProxy(t, Options{})
		srv, _ := startReadingBackend(t)
		mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "green", Revision: 2, Weight: 100, Backends: []Backend{backendOf("green", srv)}}}})
		conn := rawRequest(t, front, head+"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || string(body) != "xxxxx" {
			t.Fatalf("%d %q, want 200 with the body's length", resp.StatusCode, body)
		}
		if st := p.Stats("shop.local", "green", 2, time.Minute); st.Requests != 1 || st.Errors != 0 {
			t.Fatalf("green counted %d requests and %d errors, want 1 and 0", st.Requests, st.Errors)
		}
	})
}

func TestPreviewsAreServedButNotCounted(t *testing.T) {
	p, front := newProxy(t, Options{})
	failing := startBackend(t, "green")
	mustSet(t, p, Route{
		Host: "shop.local",
		Sets: []Set{
			{Name: "blue", Revision: 1, Weight: 100, Backends: []Backend{backendOf("blue", startBackend(t, "blue"))}},
			{Name: "green", Revision: 2, Weight: 0, Backends: []Backend{backendOf("green", failing)}},
			{Name: "red", Revision: 2, Weight: 0},
		},
		Previews: map[string]string{"green.shop.local": "green"},
	})
	for range 5 {
		req := request(t, front, http.MethodGet, "shop.local", "/status/500")
		req.Header.Set(PreviewHeader, "green")
		if resp, _ := send(t, front.Client(), req); resp.StatusCode != http.StatusInternalServerError {
			t.Fatalf("preview by header: %d, want the backend's 500", resp.StatusCode)
		}
		if code, _ := get(t, front, "green.shop.local", "/status/500"); code != http.StatusInternalServerError {
			t.Fatalf("preview host: %d, want the backend's 500", code)
		}
		req = request(t, front, http.MethodGet, "shop.local", "/")
		req.Header.Set(PreviewHeader, "red")
		if resp, _ := send(t, front.Client(), req); resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("preview of a set without backends: %d, want 503", resp.StatusCode)
		}
		req = request(t, front, http.MethodGet, "shop.local", "/")
		req.Header.Set(PreviewHeader, "blue")
		send(t, front.Client(), req)
	}
	get(t, front, "shop.local", "/")
	for _, tt := range []struct {
		set      string
		revision int
		requests int64
	}{{"green", 2, 0}, {"red", 2, 0}, {"blue", 1, 1}} {
		if st := p.Stats("shop.local", tt.set, tt.revision, time.Minute); st.Requests != tt.requests || st.Errors != 0 {
			t.Errorf("%s counted %d requests and %d errors, want %d and 0", tt.set, st.Requests, st.Errors, tt.requests)
		}
	}
}

// stickyCookie returns the sticky cookie the proxy sets on a response for
// host's route as it stands, which must send every request to want.
func stickyCookie(t testing.TB, front *httptest.Server, host, want string) *http.Cookie {
	t.Helper()
	resp, body := send(t, front.Client(), request(t, front, http.MethodGet, host, "/"))
	cookies := resp.Cookies()
	if body != want || len(cookies) != 1 {
		t.Fatalf("answered by %s with cookies %v, want %s and one cookie", body, cookies, want)
	}
	return cookies[0]
}

func TestStickyCookiesCannotBeForged(t *testing.T) {
	p, front := newProxy(t, Options{})
	blue, green := startBackend(t, "blue"), startBackend(t, "green")
	route := func(host string, greenRevision, greenWeight int) Route {
		return Route{Host: host, Sticky: true, Sets: []Set{
			{Name: "blue", Revision: 1, Weight: 100 - greenWeight, Backends: []Backend{backendOf("blue", blue)}},
			{Name: "green", Revision: greenRevision, Weight: greenWeight, Backends: []Backend{backendOf("green", green)}},
		}}
	}
	mustSet(t, p, route("other.local", 3, 100))
	otherRoute := stickyCookie(t, front, "other.local", "green")
	p.Remove("other.local")
	mustSet(t, p, route("shop.local", 2, 100))
	previous := stickyCookie(t, front, "shop.local", "green")
	mustSet(t, p, route("shop.local", 3, 0))
	valid := stickyCookie(t, front, "shop.local", "blue")
	mustSet(t, p, route("shop.local", 3, 100))
	current := stickyCookie(t, front, "shop.local", "green")
	// From here on the canary gets one request in a hundred.
	mustSet(t, p, route("shop.local", 3, 1))

	forged := func(value string) *http.Cookie { return &http.Cookie{Name: valid.Name, Value: value} }
	tests := []struct {
		name   string
		cookie *http.Cookie
	}{
		{"a cookie naming the set", forged("green")},
		{"a cookie naming the set and revision", forged("green.3")},
		{"another set's cookie altered to name it", forged("green" + strings.TrimPrefix(valid.Value, "blue"))},
		{"a cookie of the set's previous revision", forged(previous.Value)},
		{"a cookie of another route", forged(otherRoute.Value)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" gets a weighted pick and a new cookie", func(t *testing.T) {
			onGreen := 0
			for range 20 {
				req := request(t, front, http.MethodGet, "shop.local", "/")
				req.AddCookie(tt.cookie)
				resp, body := send(t, front.Client(), req)
				if body == "green" {
					onGreen++
				}
				if cs := resp.Cookies(); len(cs) != 1 || !strings.HasPrefix(cs[0].Value, body+".") {
					t.Fatalf("answered by %s with cookies %v, want a new one for %s", body, cs, body)
				}
			}
			if onGreen > 5 {
				t.Fatalf("%d of 20 requests reached the 1%% canary", onGreen)
			}
		})
	}
	t.Run("the cookie the proxy issued keeps its client on the canary, counted", func(t *testing.T) {
		for range 20 {
			req := request(t, front, http.MethodGet, "shop.local", "/")
			req.AddCookie(current)
			resp, body := send(t, front.Client(), req)
			if body != "green" || len(resp.Cookies()) != 0 {
				t.Fatalf("answered by %s with cookies %v, want green and no new cookie", body, resp.Cookies())
			}
		}
		if st := p.Stats("shop.local", "green", 3, time.Minute); st.Requests < 20 {
			t.Fatalf("green counted %d requests, want the 20 sticky ones at least", st.Requests)
		}
	})
}

func TestAClientGoneBeforeTheAnswerIsNoError(t *testing.T) {
	p, front := newProxy(t, Options{})
	slow, arrived, _ := startSlowBackend(t)
	mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "green", Revision: 2, Weight: 100, Backends: []Backend{backendOf("slow", slow)}}}})
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		conn := rawRequest(t, front, method+" / HTTP/1.1\r\nHost: shop.local\r\nContent-Length: 0\r\n\r\n")
		<-arrived
		conn.Close()
		eventually(t, "the request to end", func() bool { return idleBackend(p, "slow") })
	}
	if st := p.Stats("shop.local", "green", 2, time.Minute); st.Requests != 2 || st.Errors != 0 {
		t.Fatalf("green counted %d requests and %d errors, want 2 (as 499) and no error", st.Requests, st.Errors)
	}
}
