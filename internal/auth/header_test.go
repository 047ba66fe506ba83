package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseAuthorization(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   credentials
		ok     bool
	}{
		{"no header is no credentials", "", credentials{}, true},
		{"Basic credentials are decoded", basic("alice", "secret"), credentials{scheme: schemeBasic, user: "alice", pass: "secret"}, true},
		{"a password may hold colons", basic("alice", "a:b:c"), credentials{scheme: schemeBasic, user: "alice", pass: "a:b:c"}, true},
		{"a password may be empty", basic("alice", ""), credentials{scheme: schemeBasic, user: "alice"}, true},
		{"the scheme is case-insensitive", "BASIC " + base64Std("a:b"), credentials{scheme: schemeBasic, user: "a", pass: "b"}, true},
		{"extra spaces before the credentials are skipped", "Basic   " + base64Std("a:b"), credentials{scheme: schemeBasic, user: "a", pass: "b"}, true},
		{"a Bearer token is kept as sent", "Bearer aaa.bbb.ccc", credentials{scheme: schemeBearer, token: "aaa.bbb.ccc"}, true},
		{"a Bearer token may end in padding", "bearer abc==", credentials{scheme: schemeBearer, token: "abc=="}, true},
		{"a scheme without credentials is refused", "Basic", credentials{}, false},
		{"a scheme with only spaces is refused", "Bearer   ", credentials{}, false},
		{"base64url is not Basic's encoding", "Basic " + base64.URLEncoding.EncodeToString([]byte("a:\xfb\xff\xfe")), credentials{}, false},
		{"missing padding is refused", "Basic " + strings.TrimRight(base64Std("a:bc"), "="), credentials{}, false},
		{"Basic without a colon is refused", "Basic " + base64Std("alice"), credentials{}, false},
		{"Basic with an empty name is refused", "Basic " + base64Std(":secret"), credentials{}, false},
		{"a Bearer token with a space inside is refused", "Bearer abc def", credentials{}, false},
		{"a Bearer token of padding alone is refused", "Bearer ==", credentials{}, false},
		{"a Bearer token with padding inside is refused", "Bearer a=b", credentials{}, false},
		{"a Bearer token with a quote is refused", `Bearer a"b`, credentials{}, false},
		{"an unknown scheme is refused", "Negotiate abc", credentials{}, false},
		{"a tab is not a separator", "Basic\t" + base64Std("a:b"), credentials{}, false},
		{"a huge header is refused", "Bearer " + strings.Repeat("a", maxCredentials), credentials{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAuthorization(tt.header)
			if (err == nil) != tt.ok {
				t.Fatalf("parseAuthorization(%q) error = %v", tt.header, err)
			}
			if got != tt.want {
				t.Fatalf("parseAuthorization(%q) = %+v, want %+v", tt.header, got, tt.want)
			}
		})
	}
}

func FuzzParseAuthorization(f *testing.F) {
	for _, s := range []string{"", "Basic", basic("alice", "pw"), basic("a", "b:c"), "Bearer a.b.c", "bearer ==", "Basic " + base64Std(":x"), "Digest x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		c, err := parseAuthorization(h)
		if err != nil {
			if c != (credentials{}) {
				t.Fatalf("refused %q but returned %+v", h, c)
			}
			return
		}
		switch c.scheme {
		case schemeNone:
			if h != "" {
				t.Fatalf("%q accepted as no credentials", h)
			}
		case schemeBasic:
			if c.user == "" || strings.Contains(c.user, ":") {
				t.Fatalf("%q gave the name %q", h, c.user)
			}
			again, err := parseAuthorization(basic(c.user, c.pass))
			if err != nil || again != c {
				t.Fatalf("%q does not round-trip: %+v %v", h, again, err)
			}
		case schemeBearer:
			if c.token == "" || strings.ContainsAny(c.token, " \t\r\n\"") {
				t.Fatalf("%q gave the token %q", h, c.token)
			}
		default:
			t.Fatalf("%q gave the scheme %q", h, c.scheme)
		}
	})
}
