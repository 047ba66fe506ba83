package auth

import (
	"encoding/base64"
	"errors"
	"strings"
)

// credentials is what an Authorization header carries.
type credentials struct {
	scheme string // schemeNone, schemeBasic or schemeBearer
	user   string // Basic
	pass   string // Basic
	token  string // Bearer
}

const (
	schemeNone   = ""
	schemeBasic  = "basic"
	schemeBearer = "bearer"
)

// maxCredentials bounds what parseAuthorization accepts: more than a
// token with maxScopes scopes on names of the longest kind.
const maxCredentials = 64 << 10

// errMalformed reports an Authorization header outside RFC 7617 and
// RFC 6750.
var errMalformed = errors.New("malformed Authorization header")

// parseAuthorization reads an Authorization header value: nothing,
// "Basic base64(user:pass)" or "Bearer token". The scheme is
// case-insensitive; anything else is errMalformed.
func parseAuthorization(h string) (credentials, error) {
	if h == "" {
		return credentials{}, nil
	}
	if len(h) > maxCredentials {
		return credentials{}, errMalformed
	}
	scheme, param, ok := strings.Cut(h, " ")
	if !ok {
		return credentials{}, errMalformed
	}
	param = strings.Trim(param, " ")
	if param == "" {
		return credentials{}, errMalformed
	}
	switch strings.ToLower(scheme) {
	case schemeBasic:
		raw, err := base64.StdEncoding.Strict().DecodeString(param)
		if err != nil {
			return credentials{}, errMalformed
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok || user == "" {
			return credentials{}, errMalformed
		}
		return credentials{scheme: schemeBasic, user: user, pass: pass}, nil
	case schemeBearer:
		if !isToken68(param) {
			return credentials{}, errMalformed
		}
		return credentials{scheme: schemeBearer, token: param}, nil
	}
	return credentials{}, errMalformed
}

// isToken68 reports whether s is RFC 7235's token68: the characters of
// base64 and base64url, and "." between the parts of a JWT, with "="
// padding only at the end.
func isToken68(s string) bool {
	end := len(strings.TrimRight(s, "="))
	if end == 0 {
		return false
	}
	for i := 0; i < end; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/':
		default:
			return false
		}
	}
	return true
}
