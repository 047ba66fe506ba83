// Package auth decides who may do what in berth's registry: accounts
// (users with bcrypt passwords, robots with tokens) from the config,
// grants by repository pattern, anonymous pull, and the Docker token flow
// (a Bearer challenge, a /token endpoint issuing short-lived signed JWTs
// with repository scopes) that docker, crane, regctl and skopeo speak.
//
// A Service answers both halves. Authorize checks each registry request:
// a Bearer token from the endpoint, or Basic credentials sent straight to
// the registry, or nothing at all where anonymous pull allows it. A
// refusal that more credentials could lift wraps ErrUnauthorized and
// carries the challenge for WWW-Authenticate; valid credentials without
// the grant wrap ErrDenied. TokenHandler serves /token.
//
// Tokens are HS256 JWTs signed with a 32-byte key kept in the data
// directory, so they outlive a restart, and a token never grants more
// than its account has at the time it is used. Successful password
// checks are remembered for a few minutes (keyed by an HMAC, never the
// password), since bcrypt is slow on purpose.
package auth
