package reference

import (
	"errors"
	"strings"
	"testing"
)

func TestValidateName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"a single lowercase component is valid", "alpine", true},
		{"nested components are valid", "team/app/api", true},
		{"dots, underscores, double underscores and dash runs are separators", "a.b_c__d---e", true},
		{"digits are valid anywhere", "0/9a", true},
		{"the longest allowed name is valid", strings.Repeat("a", MaxNameLength), true},
		{"an empty name is refused", "", false},
		{"a name over the limit is refused", strings.Repeat("a", MaxNameLength+1), false},
		{"uppercase is refused", "Alpine", false},
		{"parent directory is refused", "../etc", false},
		{"a dot-dot component is refused", "a/../b", false},
		{"an absolute path is refused", "/etc/passwd", false},
		{"a trailing slash is refused", "a/", false},
		{"a doubled slash is refused", "a//b", false},
		{"a triple underscore is refused", "a___b", false},
		{"mixed separators are refused", "a.-b", false},
		{"a leading separator is refused", "-a", false},
		{"a trailing separator is refused", "a.", false},
		{"a percent-encoded dot is refused", "%2e%2e", false},
		{"a colon is refused", "a:b", false},
		{"a NUL byte is refused", "a\x00b", false},
		{"a backslash is refused", `a\b`, false},
		{"a space is refused", "a b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateName(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateName(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrNameInvalid) {
				t.Fatalf("error %v does not wrap ErrNameInvalid", err)
			}
		})
	}
}

func TestValidateTag(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"a semver tag is valid", "v1.4.2", true},
		{"a build tag is valid", "build-0123abc", true},
		{"uppercase is valid in tags", "Latest", true},
		{"a leading underscore is valid", "_x", true},
		{"128 characters are valid", strings.Repeat("a", 128), true},
		{"129 characters are refused", strings.Repeat("a", 129), false},
		{"an empty tag is refused", "", false},
		{"a leading dot is refused", ".hidden", false},
		{"a leading dash is refused", "-x", false},
		{"a slash is refused", "a/b", false},
		{"a colon is refused", "sha256:abc", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTag(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("ValidateTag(%q) = %v, want ok=%v", tt.in, err, tt.ok)
			}
		})
	}
}

func TestParseDigest(t *testing.T) {
	sha256 := "sha256:" + strings.Repeat("a", 64)
	sha512 := "sha512:" + strings.Repeat("0", 128)
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"a sha256 digest parses", sha256, nil},
		{"a sha512 digest parses", sha512, nil},
		{"a short hex part is invalid", "sha256:abc", ErrDigestInvalid},
		{"uppercase hex is invalid", "sha256:" + strings.Repeat("A", 64), ErrDigestInvalid},
		{"no colon is invalid", "sha256", ErrDigestInvalid},
		{"an empty algorithm is invalid", ":" + strings.Repeat("a", 64), ErrDigestInvalid},
		{"a well-formed unknown algorithm is unsupported", "md5:" + strings.Repeat("a", 32), ErrDigestUnsupported},
		{"sha384 is unsupported", "sha384:" + strings.Repeat("a", 96), ErrDigestUnsupported},
		{"a malformed algorithm is invalid", "SHA256:" + strings.Repeat("a", 64), ErrDigestInvalid},
		{"a path in the hex part is invalid", "sha256:../../" + strings.Repeat("a", 58), ErrDigestInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDigest(tt.in)
			if tt.want == nil {
				if err != nil || d.String() != tt.in {
					t.Fatalf("ParseDigest(%q) = %q, %v", tt.in, d, err)
				}
				if err := d.Validate(); err != nil {
					t.Fatalf("go-digest disagrees: %v", err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("ParseDigest(%q) error = %v, want %v", tt.in, err, tt.want)
			}
		})
	}
}

func FuzzValidateName(f *testing.F) {
	for _, s := range []string{"a", "a/b", "a.b_c__d-e", "../x", "%2e", "A", "a//b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateName(s) != nil {
			return
		}
		// Anything accepted must be safe to use as a relative path and a
		// bucket key: no traversal, no absolute path, no odd bytes.
		if strings.Contains(s, "..") || strings.HasPrefix(s, "/") || strings.HasSuffix(s, "/") || strings.Contains(s, "//") {
			t.Fatalf("accepted unsafe name %q", s)
		}
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !(isLowerAlnum(c) || c == '.' || c == '_' || c == '-' || c == '/') {
				t.Fatalf("accepted byte %q in %q", c, s)
			}
		}
	})
}

func FuzzParseDigest(f *testing.F) {
	for _, s := range []string{"sha256:" + strings.Repeat("a", 64), "sha512:" + strings.Repeat("b", 128), "md5:00", "x", ":", "sha256:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDigest(s)
		if err != nil {
			return
		}
		if err := d.Validate(); err != nil {
			t.Fatalf("accepted %q that go-digest rejects: %v", s, err)
		}
		if strings.ContainsAny(d.Encoded(), "/.") {
			t.Fatalf("accepted path characters in %q", s)
		}
	})
}

func FuzzValidateTag(f *testing.F) {
	for _, s := range []string{"v1.0.0", "latest", ".x", "a/b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateTag(s) != nil {
			return
		}
		if IsDigest(s) || strings.Contains(s, "/") || len(s) > MaxTagLength {
			t.Fatalf("accepted tag %q that could be mistaken for a digest or path", s)
		}
	})
}
