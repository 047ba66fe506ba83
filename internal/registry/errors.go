package registry

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"syscall"

	"github.com/berth-dev/berth/internal/auth"
	"github.com/berth-dev/berth/internal/blob"
	"github.com/berth-dev/berth/internal/manifest"
	"github.com/berth-dev/berth/internal/meta"
	"github.com/berth-dev/berth/internal/reference"
)

// OCI error codes (Distribution Spec, "Error Codes"), plus the
// distribution codes clients already know.
const (
	codeBlobUnknown         = "BLOB_UNKNOWN"
	codeBlobUploadInvalid   = "BLOB_UPLOAD_INVALID"
	codeBlobUploadUnknown   = "BLOB_UPLOAD_UNKNOWN"
	codeDigestInvalid       = "DIGEST_INVALID"
	codeManifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
	codeManifestInvalid     = "MANIFEST_INVALID"
	codeManifestUnknown     = "MANIFEST_UNKNOWN"
	codeNameInvalid         = "NAME_INVALID"
	codeNameUnknown         = "NAME_UNKNOWN"
	codeSizeInvalid         = "SIZE_INVALID"
	codeTagInvalid          = "TAG_INVALID"
	codePaginationInvalid   = "PAGINATION_NUMBER_INVALID"
	codeUnsupported         = "UNSUPPORTED"
	codeUnauthorized        = "UNAUTHORIZED"
	codeDenied              = "DENIED"
	codeUnavailable         = "UNAVAILABLE"
	codeTooManyRequests     = "TOOMANYREQUESTS"
	codeUnknown             = "UNKNOWN"
)

// Errors the HTTP edge itself raises.
var (
	errSizeInvalid       = errors.New("size invalid")
	errManifestTooLarge  = errors.New("manifest too large")
	errPaginationInvalid = errors.New("invalid pagination number")
	errMethod            = errors.New("method not allowed")
	errRoute             = errors.New("no such API endpoint")
	errDigestMissing     = errors.New("digest query parameter missing")
)

// errorTable maps domain errors to OCI codes and HTTP statuses. The first
// entry that errors.Is matches wins.
var errorTable = []struct {
	err    error
	code   string
	status int
}{
	{auth.ErrUnauthorized, codeUnauthorized, http.StatusUnauthorized},
	{auth.ErrDenied, codeDenied, http.StatusForbidden},
	{auth.ErrThrottled, codeTooManyRequests, http.StatusTooManyRequests},
	{reference.ErrNameInvalid, codeNameInvalid, http.StatusBadRequest},
	{reference.ErrTagInvalid, codeTagInvalid, http.StatusBadRequest},
	{reference.ErrDigestInvalid, codeDigestInvalid, http.StatusBadRequest},
	{reference.ErrDigestUnsupported, codeDigestInvalid, http.StatusBadRequest},
	{errDigestMissing, codeDigestInvalid, http.StatusBadRequest},
	{blob.ErrDigestMismatch, codeDigestInvalid, http.StatusBadRequest},
	{blob.ErrRangeInvalid, codeBlobUploadInvalid, http.StatusRequestedRangeNotSatisfiable},
	{blob.ErrNotFound, codeBlobUnknown, http.StatusNotFound},
	{blob.ErrUploadUnknown, codeBlobUploadUnknown, http.StatusNotFound},
	{meta.ErrNameUnknown, codeNameUnknown, http.StatusNotFound},
	{meta.ErrBlobUnknown, codeBlobUnknown, http.StatusNotFound},
	{meta.ErrManifestUnknown, codeManifestUnknown, http.StatusNotFound},
	{meta.ErrUploadUnknown, codeBlobUploadUnknown, http.StatusNotFound},
	{meta.ErrManifestBlobUnknown, codeManifestBlobUnknown, http.StatusBadRequest},
	{meta.ErrManifestInvalid, codeManifestInvalid, http.StatusBadRequest},
	{meta.ErrImmutable, codeDenied, http.StatusConflict},
	// 405 is what the conformance suite accepts for deleting a blob that
	// a manifest still uses, as zot answers it.
	{meta.ErrInUse, codeDenied, http.StatusMethodNotAllowed},
	{manifest.ErrInvalid, codeManifestInvalid, http.StatusBadRequest},
	{manifest.ErrUnsupported, codeUnsupported, http.StatusUnsupportedMediaType},
	{errManifestTooLarge, codeManifestInvalid, http.StatusRequestEntityTooLarge},
	{errSizeInvalid, codeSizeInvalid, http.StatusBadRequest},
	{errPaginationInvalid, codePaginationInvalid, http.StatusBadRequest},
	{errMethod, codeUnsupported, http.StatusMethodNotAllowed},
	{errRoute, codeUnsupported, http.StatusNotFound},
	{syscall.ENOSPC, codeUnavailable, http.StatusInsufficientStorage},
	{syscall.EDQUOT, codeUnavailable, http.StatusInsufficientStorage},
	{meta.ErrClosed, codeUnavailable, http.StatusServiceUnavailable},
}

// challenger is an authentication error that knows how the client should
// authenticate.
type challenger interface {
	error
	Challenge() string
}

// retryAfter is an error that says when the client may try again.
type retryAfter interface {
	error
	RetryAfterSeconds() string
}

type errorBody struct {
	Errors []errorEntry `json:"errors"`
}

type errorEntry struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Detail  any    `json:"detail,omitempty"`
}

// classify returns the OCI code and HTTP status for err.
func classify(err error) (string, int) {
	var body *blob.BodyError
	if errors.As(err, &body) {
		return codeBlobUploadInvalid, http.StatusBadRequest
	}
	for _, e := range errorTable {
		if errors.Is(err, e.err) {
			return e.code, e.status
		}
	}
	return codeUnknown, http.StatusInternalServerError
}

// writeError answers with the spec's JSON error body. Server-side failures
// are logged here, once, under a request id, and the client gets only
// their kind and that id: their detail names paths on the server. Client
// errors are the client's to read and keep their message.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code, status := classify(err)
	h := w.Header()
	entry := errorEntry{Code: code, Message: err.Error()}
	if status >= 500 {
		id := requestID(r)
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "request_id", id, "err", err)
		h.Set("X-Request-Id", id)
		entry.Message = serverFailure(status) + "; request id " + id
	}
	var missing *meta.MissingError
	if errors.As(err, &missing) {
		entry.Detail = map[string]string{"digest": missing.Digest.String()}
	}
	var ch challenger
	if errors.As(err, &ch) {
		h.Set("WWW-Authenticate", ch.Challenge())
	}
	var ra retryAfter
	if errors.As(err, &ra) {
		h.Set("Retry-After", ra.RetryAfterSeconds())
	}
	h.Set("Content-Type", "application/json")
	h.Del("Content-Length")
	h.Del("Docker-Content-Digest")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_ = json.NewEncoder(w).Encode(errorBody{Errors: []errorEntry{entry}})
	}
}

// serverFailure is what a client is told of a server-side failure.
func serverFailure(status int) string {
	switch status {
	case http.StatusInsufficientStorage:
		return "the registry is out of storage space"
	case http.StatusServiceUnavailable:
		return "the registry is unavailable; try again later"
	}
	return "internal error"
}

// maxRequestID bounds the X-Request-Id a client may choose.
const maxRequestID = 64

// requestID is the client's X-Request-Id when it is short and printable,
// so that the client's logs and berth's meet, or else a new id.
func requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); saneRequestID(id) {
		return id
	}
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// saneRequestID accepts 1 to maxRequestID visible ASCII characters:
// nothing that could break a header, a log line or a JSON string.
func saneRequestID(id string) bool {
	if id == "" || len(id) > maxRequestID {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}
