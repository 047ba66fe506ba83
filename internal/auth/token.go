package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the iss claim of every token berth issues.
const Issuer = "berth"

// leeway is how far clocks may disagree when checking exp, nbf and iat.
const leeway = 30 * time.Second

// Access is one entry of a token's access claim, as Docker's token spec
// defines it.
type Access struct {
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Actions []string `json:"actions"`
}

// claims are the claims of a berth token.
type claims struct {
	jwt.RegisteredClaims
	Access []Access `json:"access"`
}

// allows reports whether the token grants action on the resource.
func (c *claims) allows(typ, name, action string) bool {
	for _, a := range c.Access {
		if a.Type == typ && a.Name == name && (slices.Contains(a.Actions, action) || slices.Contains(a.Actions, "*")) {
			return true
		}
	}
	return false
}

// issue signs a token for actor with access, valid from now for the
// service's TTL.
func (s *Service) issue(actor string, access []Access, now time.Time) (string, error) {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return "", err
	}
	if access == nil {
		access = []Access{}
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    Issuer,
			Subject:   actor,
			Audience:  jwt.ClaimStrings{s.service},
			ExpiresAt: jwt.NewNumericDate(now.Add(s.ttl)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        base64.RawURLEncoding.EncodeToString(id),
		},
		Access: access,
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(s.key)
}

// Reasons a token is refused.
var (
	errTokenExpired   = errors.New("token expired")
	errTokenEarly     = errors.New("token not valid yet")
	errTokenSignature = errors.New("token signature invalid")
	errTokenMalformed = errors.New("token malformed")
	errTokenIssuer    = errors.New("token not issued by " + Issuer)
	errTokenInvalid   = errors.New("token invalid")
)

// validate checks a token's signature (HS256 with the service's key and
// nothing else), its times and its audience, and returns its claims.
func (s *Service) validate(token string) (*claims, error) {
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithStrictDecoding(),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(s.service),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(s.now),
	)
	var c claims
	_, err := p.ParseWithClaims(token, &c, func(t *jwt.Token) (any, error) {
		if t.Method != jwt.SigningMethodHS256 {
			return nil, errTokenSignature
		}
		return s.key, nil
	})
	switch {
	case err == nil:
		return &c, nil
	case errors.Is(err, jwt.ErrTokenMalformed):
		return nil, errTokenMalformed
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return nil, errTokenSignature
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, errTokenExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return nil, errTokenEarly
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return nil, fmt.Errorf("token is for service %q, not %q", audience(c.Audience), s.service)
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return nil, errTokenIssuer
	}
	return nil, errTokenInvalid
}

func audience(aud jwt.ClaimStrings) string {
	if len(aud) == 0 {
		return ""
	}
	return aud[0]
}
