package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	gohash "hash"
	"slices"
)

// hash returns app's Hash: the SHA-256 of its JSON form with File, Hash
// and the services' ImagePolicy left out, followed by a digest of each
// secret's and config's content, which the JSON form leaves out. Every
// value in an App is already in one canonical form (services sorted,
// env sorted, defaults filled in, durations parsed), and encoding/json
// writes struct fields in order and map keys sorted, so two specs that
// mean the same deployment hash the same.
func hash(app *App) string {
	c := *app
	c.File, c.Hash = "", ""
	c.Services = slices.Clone(app.Services)
	for i := range c.Services {
		c.Services[i].ImagePolicy = nil
	}
	data, err := json.Marshal(c)
	if err != nil {
		// An App holds strings, numbers, slices and maps only.
		return ""
	}
	h := sha256.New()
	h.Write(data)
	for _, s := range app.Services {
		writeContents(h, s)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// ConfigDigest identifies the service's configuration apart from its
// image, which is deployed by digest: "sha256:" and the hex SHA-256 of
// its canonical form, with the content of its secrets and configs
// counted though never shown. It changes when anything berth would
// apply to the service's containers changes, and only then, so the
// engine can tell a service that must roll from one that keeps its
// containers. The image policy is left out: it chooses the next image
// and changes nothing in the containers; so is the verification job
// (x-berth.verify and the canary steps' verify), which checks them.
func (s Service) ConfigDigest() string {
	s.Image, s.ImagePolicy, s.Verify = "", nil, nil
	if slices.ContainsFunc(s.Canary, func(st CanaryStep) bool { return st.Verify }) {
		s.Canary = slices.Clone(s.Canary)
		for i := range s.Canary {
			s.Canary[i].Verify = false
		}
	}
	data, err := json.Marshal(s)
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write(data)
	writeContents(h, s)
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// writeContents writes, for each file the service places, its target
// and the SHA-256 of its content: a change of a secret changes the hash
// without the hash input holding the secret.
func writeContents(h gohash.Hash, s Service) {
	for _, f := range s.Runtime.Files {
		sum := sha256.Sum256(f.Content)
		h.Write([]byte(s.Name + "\x00" + f.Target + "\x00"))
		h.Write(sum[:])
	}
}
