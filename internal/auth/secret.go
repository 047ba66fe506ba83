package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// PasswordCost is the bcrypt cost of the password hashes berth writes:
// about a quarter of a second per check on current hardware.
const PasswordCost = 12

// Password lengths berth accepts. bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 8
	MaxPasswordBytes  = 72
)

// RobotTokenPrefix starts every robot token, so that one is easy to
// recognise (and to find when it leaks).
const RobotTokenPrefix = "berth_"

// ErrPasswordInvalid reports a password too short or too long to use.
var ErrPasswordInvalid = errors.New("invalid password")

// HashPassword returns the bcrypt hash of password, at cost, for a
// user's password in the config.
func HashPassword(password string, cost int) (string, error) {
	if n := utf8.RuneCountInString(password); n < MinPasswordLength {
		return "", fmt.Errorf("%w: %d characters, want at least %d", ErrPasswordInvalid, n, MinPasswordLength)
	}
	if len(password) > MaxPasswordBytes {
		return "", fmt.Errorf("%w: %d bytes, want at most %d", ErrPasswordInvalid, len(password), MaxPasswordBytes)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("hashing password: %w", err)
	}
	return string(h), nil
}

// NewRobotToken makes a robot's secret: 32 random bytes, shown as
// RobotTokenPrefix and their unpadded base64url. stored is what the
// config keeps: HashRobotToken(token).
func NewRobotToken() (token, stored string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("generating robot token: %w", err)
	}
	token = RobotTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashRobotToken(token), nil
}

// HashRobotToken returns "sha256:<hex>" of token as the robot sends it.
func HashRobotToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:])
}
