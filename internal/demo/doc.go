// Package demo walks a newcomer through berth's whole path on their own
// machine: it starts berth, builds and publishes the example app from a
// throwaway git repository, deploys it, publishes a second version,
// rolls it out as a canary while showing each version's share of live
// traffic, promotes it, rolls back, and says where to look.
//
// Every step runs the berth command a user would type, printed before
// its output, so the demo doubles as a transcript to copy from.
package demo
