package api

import "time"

// Wire types of the sources endpoints:
//
//	GET  /api/sources                 []SourceStatus
//	GET  /api/sources/{name}          SourceStatus
//	POST /api/sources/{name}/sync     SourceStatus, once the source has reconciled
//	POST /api/sources/{name}/suspend  SourceStatus (?app=NAME: one app)
//	POST /api/sources/{name}/resume   SourceStatus (?app=NAME: one app)

// SourceStatus is a git source as the API shows it.
type SourceStatus struct {
	Name      string `json:"name"`
	URL       string `json:"url"` // without credentials
	Branch    string `json:"branch"`
	Path      string `json:"path"`
	Suspended bool   `json:"suspended"`
	// Conditions are Ready, Reconciling and Stalled, as flux has them.
	Conditions []Condition `json:"conditions"`
	Fetched    string      `json:"fetched,omitempty"` // the commit fetched
	Applied    string      `json:"applied,omitempty"` // the commit applied
	LastError  string      `json:"lastError,omitempty"`
	LastSync   time.Time   `json:"lastSync,omitzero"`
	Apps       []SourceApp `json:"apps"`
	// Notes name the files of the source that were ignored, with why.
	Notes []string `json:"notes,omitempty"`
}

// Condition is one aspect of a source's state, since it last changed.
type Condition struct {
	Type    string    `json:"type"` // Ready, Reconciling, Stalled
	Status  bool      `json:"status"`
	Reason  string    `json:"reason"` // CamelCase, e.g. FetchFailed, Applied, SpecInvalid
	Message string    `json:"message"`
	Since   time.Time `json:"since"`
}

// SourceApp is one app a source holds.
type SourceApp struct {
	App string `json:"app"`
	// Env is the environment the app runs in.
	Env       string `json:"env,omitempty"`
	File      string `json:"file"`
	Revision  int    `json:"revision,omitempty"` // the revision the last applied commit led to
	Commit    string `json:"commit,omitempty"`
	Suspended bool   `json:"suspended,omitempty"`
	Stalled   string `json:"stalled,omitempty"` // why it does not apply: file:line: key: message
}
