// Package githook reads the webhooks that git servers send when a
// branch is pushed, so that berth fetches a source at once instead of
// waiting for its interval.
//
// # Senders
//
// Read tells the sender by its headers and checks the request against
// the source's secret, in constant time, before it reads the payload:
//
//	GitHub          X-GitHub-Event: push        X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>
//	GitLab          X-Gitlab-Event: Push Hook   X-Gitlab-Token: <the secret>
//	Gitea, Forgejo  X-Gitea-Event: push         X-Gitea-Signature: <hex HMAC-SHA256 of the body>
//	                X-Forgejo-Event: push       X-Forgejo-Signature: <hex HMAC-SHA256 of the body>
//	anything else                               Authorization: Bearer <the secret>
//
// Gitea and Forgejo also send GitHub's headers; their own come first.
// GitHub and Gitea may send the payload as JSON or as a form with a
// payload field. A generic sender's body is optional: {"ref":
// "refs/heads/main", "after": "<commit>"}, where a ref without "refs/"
// is a branch name; without a body it only says "fetch now".
//
// # What is trusted
//
// A source without a secret takes no webhooks (ErrNoSecret). A request
// without a signature or token is ErrUnsigned, one with a wrong one
// ErrSignature; either way nothing of its body is parsed. A signed
// request that is not a push (GitHub's ping, a GitLab issue event) is
// ErrNotPush: answer it 202 and ignore it. Bodies over MaxBody are
// ErrTooLarge, payloads that cannot be read ErrPayload.
//
// The senders sign the body alone, without a time, so a captured request
// can be sent again. That is harmless here: a push only makes berth
// fetch the branch, and what it applies is what the branch holds then,
// never the commit a webhook names.
package githook
