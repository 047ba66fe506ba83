package reference

import (
	// go-digest computes only the algorithms whose hash is linked in.
	_ "crypto/sha256"
	_ "crypto/sha512"
	"errors"
	"fmt"
	"strings"

	"github.com/opencontainers/go-digest"
)

// MaxNameLength is the longest repository name berth accepts. Clients limit
// "host/name" to 255 characters, so a longer name could never be pulled.
const MaxNameLength = 255

// MaxTagLength is the longest tag the spec allows.
const MaxTagLength = 128

var (
	// ErrNameInvalid reports a repository name outside the spec's grammar.
	ErrNameInvalid = errors.New("invalid repository name")
	// ErrTagInvalid reports a tag outside the spec's grammar.
	ErrTagInvalid = errors.New("invalid tag")
	// ErrDigestInvalid reports a malformed digest.
	ErrDigestInvalid = errors.New("invalid digest")
	// ErrDigestUnsupported reports a well-formed digest whose algorithm
	// berth does not implement.
	ErrDigestUnsupported = errors.New("unsupported digest algorithm")
)

// Error carries the offending value and why it was refused.
type Error struct {
	Kind   error  // one of the Err values above
	Value  string // what the client sent, quoted in messages
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v %q: %s", e.Kind, truncate(e.Value), e.Reason)
}

func (e *Error) Unwrap() error { return e.Kind }

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "..."
	}
	return s
}

// ValidateName checks a repository name against the spec's grammar:
// path components of [a-z0-9]+ joined by ".", "_", "__" or runs of "-",
// separated by single "/".
func ValidateName(name string) error {
	switch {
	case name == "":
		return &Error{ErrNameInvalid, name, "must not be empty"}
	case len(name) > MaxNameLength:
		return &Error{ErrNameInvalid, name, fmt.Sprintf("longer than %d characters", MaxNameLength)}
	}
	for i, comp := range strings.Split(name, "/") {
		if reason := checkComponent(comp); reason != "" {
			return &Error{ErrNameInvalid, name, fmt.Sprintf("path component %d %s", i+1, reason)}
		}
	}
	return nil
}

// checkComponent returns why comp is not [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*,
// or "" when it is.
func checkComponent(comp string) string {
	if comp == "" {
		return "is empty (leading, trailing or doubled \"/\")"
	}
	sepStart := -1 // index where the current separator run began
	for i := 0; i < len(comp); i++ {
		c := comp[i]
		if isLowerAlnum(c) {
			if sepStart >= 0 {
				if sep := comp[sepStart:i]; !validSeparator(sep) {
					return fmt.Sprintf("has invalid separator %q", sep)
				}
				sepStart = -1
			}
			continue
		}
		switch {
		case c == '.' || c == '_' || c == '-':
			if i == 0 {
				return fmt.Sprintf("must start with a lowercase letter or digit, not %q", c)
			}
			if sepStart < 0 {
				sepStart = i
			}
		case c >= 'A' && c <= 'Z':
			return "has uppercase letters"
		default:
			return fmt.Sprintf("has character %q outside [a-z0-9._-]", c)
		}
	}
	if sepStart >= 0 {
		return "must end with a lowercase letter or digit"
	}
	return ""
}

func validSeparator(sep string) bool {
	switch sep {
	case ".", "_", "__":
		return true
	}
	return strings.Trim(sep, "-") == ""
}

func isLowerAlnum(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }

// ValidateTag checks a tag against [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}.
func ValidateTag(tag string) error {
	switch {
	case tag == "":
		return &Error{ErrTagInvalid, tag, "must not be empty"}
	case len(tag) > MaxTagLength:
		return &Error{ErrTagInvalid, tag, fmt.Sprintf("longer than %d characters", MaxTagLength)}
	case tag[0] == '.' || tag[0] == '-':
		return &Error{ErrTagInvalid, tag, "must start with a letter, digit or \"_\""}
	}
	for i := 0; i < len(tag); i++ {
		c := tag[i]
		if !(isLowerAlnum(c) || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '-') {
			return &Error{ErrTagInvalid, tag, fmt.Sprintf("has character %q outside [a-zA-Z0-9._-]", c)}
		}
	}
	return nil
}

// Algorithms berth computes and verifies.
var supported = map[digest.Algorithm]int{
	digest.SHA256: 64,
	digest.SHA512: 128,
}

// ParseDigest parses "algorithm:hex" for a supported algorithm with a hex
// part of the right length in lowercase.
func ParseDigest(s string) (digest.Digest, error) {
	alg, hex, ok := strings.Cut(s, ":")
	if !ok || alg == "" || hex == "" {
		return "", &Error{ErrDigestInvalid, s, "want algorithm:hex"}
	}
	want, known := supported[digest.Algorithm(alg)]
	if !known {
		if !validAlgorithm(alg) {
			return "", &Error{ErrDigestInvalid, s, "malformed algorithm"}
		}
		return "", &Error{ErrDigestUnsupported, s, "berth supports sha256 and sha512"}
	}
	if len(hex) != want {
		return "", &Error{ErrDigestInvalid, s, fmt.Sprintf("%s needs %d hex characters, got %d", alg, want, len(hex))}
	}
	for i := 0; i < len(hex); i++ {
		if c := hex[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return "", &Error{ErrDigestInvalid, s, "hex part must be lowercase [0-9a-f]"}
		}
	}
	return digest.Digest(s), nil
}

// validAlgorithm matches the spec's algorithm grammar:
// [a-z0-9]+([+._-][a-z0-9]+)*.
func validAlgorithm(alg string) bool {
	prevSep := true
	for i := 0; i < len(alg); i++ {
		c := alg[i]
		if isLowerAlnum(c) {
			prevSep = false
			continue
		}
		if prevSep || !(c == '+' || c == '.' || c == '_' || c == '-') {
			return false
		}
		prevSep = true
	}
	return !prevSep
}

// IsDigest reports whether ref looks like a digest rather than a tag: tags
// cannot contain ":", digests always do.
func IsDigest(ref string) bool { return strings.Contains(ref, ":") }
