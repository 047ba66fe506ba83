// Package auth decides who may do what in berth: accounts (users with
// bcrypt passwords, robots with tokens) from the config, grants by
// repository pattern and by app pattern, anonymous pull, and the Docker
// token flow (a Bearer challenge, a /token endpoint issuing short-lived
// signed JWTs with repository and app scopes) that docker, crane, regctl
// and skopeo speak.
//
// A Service answers both halves. Authorize checks each request to the
// registry or the API: a Bearer token from the endpoint, or Basic
// credentials sent straight along, or nothing at all where anonymous
// pull allows it. A refusal that more credentials could lift wraps
// ErrUnauthorized and carries the challenge for WWW-Authenticate; valid
// credentials without the grant wrap ErrDenied, with a message that says
// how to grant it. TokenHandler serves /token.
//
// Tokens are HS256 JWTs signed with a 32-byte key kept in the data
// directory, so they outlive a restart, and a token never grants more
// than its account has at the time it is used. Successful password
// checks are remembered for a few minutes (keyed by an HMAC, never the
// password), since bcrypt is slow on purpose. Failed logins are
// throttled per client address (read from X-Forwarded-For only behind a
// trusted proxy) and per account name, and every refusal costs one
// bcrypt comparison, so that its time does not tell which names exist.
package auth
