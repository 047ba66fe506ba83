package bench

import (
	"errors"
	"testing"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		name     string
		spec     string
		wantName string
		wantURL  string
		ok       bool
	}{
		{"a bare URL is named after its host", "http://127.0.0.1:5000", "127.0.0.1:5000", "http://127.0.0.1:5000", true},
		{"NAME=URL names the target", "berth=http://127.0.0.1:5000", "berth", "http://127.0.0.1:5000", true},
		{"https is accepted", "hub=https://registry.example.com", "hub", "https://registry.example.com", true},
		{"a URL without a scheme is http", "localhost:5000", "localhost:5000", "http://localhost:5000", true},
		{"a named URL without a scheme is http", "d=127.0.0.1:5001", "d", "http://127.0.0.1:5001", true},
		{"a trailing slash is dropped", "http://h:1/", "h:1", "http://h:1", true},
		{"a path prefix is kept", "p=http://h/registry/", "p", "http://h/registry", true},
		{"an = inside a URL is not a name", "http://h/a=b", "h", "http://h/a=b", true},
		{"an empty name is refused", "=http://h", "", "", false},
		{"another scheme is refused", "ftp://h", "", "", false},
		{"a URL without a host is refused", "http://", "", "", false},
		{"a query is refused", "http://h/?x=1", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTarget(tt.spec)
			if (err == nil) != tt.ok {
				t.Fatalf("ParseTarget(%q) error = %v, want ok=%v", tt.spec, err, tt.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrInvalidTarget) {
					t.Fatalf("error %v does not wrap ErrInvalidTarget", err)
				}
				return
			}
			if got.Name != tt.wantName || got.URL.String() != tt.wantURL {
				t.Fatalf("ParseTarget(%q) = %q %q, want %q %q", tt.spec, got.Name, got.URL, tt.wantName, tt.wantURL)
			}
		})
	}
}

func TestParseTargets(t *testing.T) {
	t.Run("targets keep flag order and get a client each", func(t *testing.T) {
		got, err := ParseTargets([]string{"b=http://h:2", "a=http://h:1"}, 8)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "b" || got[1].Name != "a" {
			t.Fatalf("got %+v", got)
		}
		if got[0].Client == nil || got[0].Client == got[1].Client {
			t.Fatal("targets must each have their own client")
		}
	})
	t.Run("two targets with one name are refused", func(t *testing.T) {
		_, err := ParseTargets([]string{"x=http://h:1", "x=http://h:2"}, 8)
		if !errors.Is(err, ErrInvalidTarget) {
			t.Fatalf("error = %v, want ErrInvalidTarget", err)
		}
	})
}

func TestEndpointJoinsThePathPrefix(t *testing.T) {
	tg, err := ParseTarget("http://h/prefix/")
	if err != nil {
		t.Fatal(err)
	}
	if got := tg.endpoint("/v2/a/b/tags/list").String(); got != "http://h/prefix/v2/a/b/tags/list" {
		t.Fatalf("endpoint = %q", got)
	}
}
