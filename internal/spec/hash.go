package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// hash returns app's Hash: the SHA-256 of its JSON form with File and
// Hash left out. Every value in an App is already in one canonical form
// (services sorted, env sorted, defaults filled in, durations parsed),
// and encoding/json writes struct fields in order and map keys sorted, so
// two specs that mean the same deployment hash the same.
func hash(app *App) string {
	c := *app
	c.File, c.Hash = "", ""
	data, err := json.Marshal(c)
	if err != nil {
		// An App holds strings, numbers, slices and maps only.
		return ""
	}
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}
