// Package pattern matches repository names and tags against the globs
// berth's configuration uses: "*" matches within one path component, "**"
// matches across components, "?" matches one character (names are ASCII), and everything
// else matches itself. "team/*" matches "team/api" but not "team/a/b";
// "team/**" matches both; "v*" matches every tag that starts with v.
// "**" is any run of characters, slashes included, so "**/*-prod"
// matches "team/api-prod" and "org/x/y/db-prod" but not a top-level
// "db-prod", which has no slash.
package pattern
