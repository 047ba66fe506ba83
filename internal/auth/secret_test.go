package auth

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestHashPassword(t *testing.T) {
	tests := []struct {
		name     string
		password string
		ok       bool
	}{
		{"eight characters are enough", "12345678", true},
		{"characters are counted, not bytes", "pässwörd", true},
		{"seven characters are too few", "1234567", false},
		{"more than 72 bytes cannot be hashed", strings.Repeat("x", 73), false},
		{"72 bytes can", strings.Repeat("x", 72), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := HashPassword(tt.password, bcrypt.MinCost)
			if (err == nil) != tt.ok {
				t.Fatalf("HashPassword error = %v", err)
			}
			if err != nil {
				if !errors.Is(err, ErrPasswordInvalid) {
					t.Fatalf("%v is not ErrPasswordInvalid", err)
				}
				return
			}
			if bcrypt.CompareHashAndPassword([]byte(h), []byte(tt.password)) != nil {
				t.Fatal("the hash does not match its password")
			}
		})
	}
}

func TestNewRobotToken(t *testing.T) {
	token, stored, err := NewRobotToken()
	if err != nil {
		t.Fatal(err)
	}
	raw, ok := strings.CutPrefix(token, RobotTokenPrefix)
	if !ok {
		t.Fatalf("token %q lacks the prefix", token)
	}
	if b, err := base64.RawURLEncoding.DecodeString(raw); err != nil || len(b) != 32 {
		t.Fatalf("token body %q: %d bytes, %v", raw, len(b), err)
	}
	if stored != HashRobotToken(token) || !strings.HasPrefix(stored, "sha256:") || len(stored) != 7+64 {
		t.Fatalf("stored %q", stored)
	}
	if again, _, _ := NewRobotToken(); again == token {
		t.Fatal("two robots got the same token")
	}
}
