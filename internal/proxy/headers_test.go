package proxy

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/textproto"
	"slices"
	"strings"
	"testing"
)

// headerLine is one header line as a backend got it, name as sent.
type headerLine struct{ name, value string }

// rawHeaders starts a backend that answers 200 to every request and
// sends on got the header lines of each, names as they were written.
func rawHeaders(t testing.TB) (addr string, got chan []headerLine) {
	t.Helper()
	got = make(chan []headerLine, 4)
	addr = rawBackend(t, func(c net.Conn) {
		var raw bytes.Buffer
		br := bufio.NewReader(io.TeeReader(c, &raw))
		for {
			raw.Reset()
			req, err := http.ReadRequest(br)
			if err != nil {
				return
			}
			head, _, _ := bytes.Cut(raw.Bytes(), []byte("\r\n\r\n"))
			var lines []headerLine
			for _, l := range strings.Split(string(head), "\r\n")[1:] {
				name, value, _ := strings.Cut(l, ":")
				lines = append(lines, headerLine{name, strings.TrimSpace(value)})
			}
			io.Copy(io.Discard, req.Body)
			got <- lines
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
	})
	return addr, got
}

// forwardingLines are the lines of a forwarding header, however spelt,
// or of a name with an underscore, sorted.
func forwardingLines(lines []headerLine) []headerLine {
	var out []headerLine
	for _, l := range lines {
		if dropUnsafe(l.name) {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b headerLine) int { return strings.Compare(a.name+a.value, b.name+b.value) })
	return out
}

func TestForwardingHeadersAClientSentStayBehind(t *testing.T) {
	sent := map[string]string{
		"X-Real-Ip":         "203.0.113.66",
		"X_Real_IP":         "203.0.113.66",
		"X_Forwarded_For":   "203.0.113.66",
		"X-Forwarded_For":   "203.0.113.66",
		"x_forwarded_host":  "evil.example",
		"X-Forwarded_Proto": "https",
		"Forwarded":         "for=203.0.113.66",
		"X_App_Setting":     "underscored",
	}
	tests := []struct {
		name  string
		trust bool
		extra map[string]string
		want  []headerLine
	}{
		{"untrusted, the proxy's own values alone reach the backend", false, nil, []headerLine{
			{"X-Forwarded-For", "127.0.0.1"}, {"X-Forwarded-Host", "shop.local"},
			{"X-Forwarded-Proto", "http"}, {"X-Real-Ip", "127.0.0.1"},
		}},
		{"trusted, the X-Real-Ip from the proxy in front is kept", true, map[string]string{"X-Forwarded-For": "198.51.100.7"}, []headerLine{
			{"X-Forwarded-For", "198.51.100.7, 127.0.0.1"}, {"X-Forwarded-Host", "shop.local"},
			{"X-Forwarded-Proto", "http"}, {"X-Real-Ip", "203.0.113.66"},
		}},
		{"trusted without X-Real-Ip, the last address of the chain is the client", true,
			map[string]string{"X-Real-Ip": "", "X-Forwarded-For": "192.0.2.1, 198.51.100.7"}, []headerLine{
				{"X-Forwarded-For", "192.0.2.1, 198.51.100.7, 127.0.0.1"}, {"X-Forwarded-Host", "shop.local"},
				{"X-Forwarded-Proto", "http"}, {"X-Real-Ip", "198.51.100.7"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, got := rawHeaders(t)
			p, front := newProxy(t, Options{TrustForwardedHeaders: tt.trust})
			mustSet(t, p, Route{Host: "shop.local", Sets: []Set{{Name: "blue", Weight: 100, Backends: []Backend{{ID: "raw", Addr: addr}}}}})
			paths := map[string][]headerLine{}
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var body io.Reader
				if method == http.MethodPost {
					body = strings.NewReader("form")
				}
				req, err := http.NewRequest(method, front.URL, body)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = "shop.local"
				for k, v := range sent {
					req.Header[k] = []string{v}
				}
				for k, v := range tt.extra {
					if v == "" {
						delete(req.Header, k)
					} else {
						req.Header[k] = []string{v}
					}
				}
				if resp, _ := send(t, front.Client(), req); resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d", method, resp.StatusCode)
				}
				paths[method] = forwardingLines(<-got)
			}
			for method, lines := range paths {
				if !slices.Equal(lines, tt.want) {
					t.Errorf("%s sent the backend %v, want %v", method, lines, tt.want)
				}
			}
		})
	}
}

// FuzzForwardedHeaders sends one client header of any name and value
// through both paths' header rewriting: what reaches the backend must
// parse, hold no name with an underscore, and hold the forwarding
// headers the proxy computed, the same on both paths.
func FuzzForwardedHeaders(f *testing.F) {
	for _, seed := range []struct{ name, value string }{
		{"X-Forwarded-For", "203.0.113.9"},
		{"X_Forwarded_For", "203.0.113.9"},
		{"x-real_ip", "203.0.113.9"},
		{"X-Forwarded-For", " , 198.51.100.7 ,"},
		{"X-Real-Ip", "not an address"},
		{"Connection", "X-Real-Ip"},
		{"Forwarded", "for=192.0.2.1"},
	} {
		f.Add(seed.name, seed.value, false)
		f.Add(seed.name, seed.value, true)
	}
	f.Fuzz(func(t *testing.T, name, value string, trust bool) {
		if !validHeaderName(name) || !validHeaderValue(value) {
			return
		}
		switch textproto.CanonicalMIMEHeaderKey(name) {
		case "Host", "Content-Length":
			return // http.Server takes these out of the header or checks them
		}
		in := httptest.NewRequest(http.MethodGet, "http://shop.local/", nil)
		in.RemoteAddr = "192.0.2.10:1234"
		in.Header[name] = []string{value}
		p := New(Options{TrustForwardedHeaders: trust}, nil)
		defer p.Close()
		fw := forwarded(in, trust)
		want := []headerLine{{"X-Forwarded-Host", fw.host}, {"X-Forwarded-Proto", fw.proto}}
		if fw.for_ != "" {
			want = append(want, headerLine{"X-Forwarded-For", fw.for_})
		}
		if fw.realIP != "" {
			want = append(want, headerLine{"X-Real-Ip", fw.realIP})
		}
		want = forwardingLines(want)

		var buf bytes.Buffer
		bw := bufio.NewWriter(&buf)
		if err := p.writeRequest(bw, in); err != nil {
			t.Fatal(err)
		}
		out, err := http.ReadRequest(bufio.NewReader(&buf))
		if err != nil {
			t.Fatalf("the direct path wrote a request that does not parse: %v\n%s", err, buf.Bytes())
		}
		if got := forwardingLines(headerLines(out.Header)); !slices.Equal(got, want) {
			t.Fatalf("direct path: %v, want %v", got, want)
		}

		c := &call{target: &target{addr: "127.0.0.1:1"}}
		in = in.WithContext(context.WithValue(in.Context(), callKey{}, c))
		pr := &httputil.ProxyRequest{In: in, Out: in.Clone(in.Context())}
		for _, h := range []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"} {
			pr.Out.Header.Del(h) // as ReverseProxy does before Rewrite
		}
		p.rewrite(pr)
		if got := forwardingLines(headerLines(pr.Out.Header)); !slices.Equal(got, want) {
			t.Fatalf("ReverseProxy path: %v, want %v", got, want)
		}
	})
}

// headerLines lists h's values as lines.
func headerLines(h http.Header) []headerLine {
	var out []headerLine
	for k, vv := range h {
		for _, v := range vv {
			out = append(out, headerLine{k, v})
		}
	}
	return out
}

// validHeaderName says whether s is a token (RFC 9110, 5.6.2), as
// http.Server requires of a header name.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// validHeaderValue says whether s holds no control character but tab and
// no surrounding space, as a header value http.Server passes on.
func validHeaderValue(s string) bool {
	if s != strings.TrimSpace(s) {
		return false
	}
	for _, c := range []byte(s) {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
