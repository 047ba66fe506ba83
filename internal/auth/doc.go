// Package auth decides who may do what in berth's registry: accounts
// (users with bcrypt passwords, robots with tokens) from the config,
// grants by repository pattern, anonymous pull, and the Docker token flow
// (a Bearer challenge, a /token endpoint issuing short-lived signed JWTs
// with repository scopes) that docker, crane, regctl and skopeo speak.
package auth
