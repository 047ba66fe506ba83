// Package testapp builds the service berth's tests deploy (the program
// in testapp/app) into FROM scratch images and pushes them to a
// registry, so that drivers and the deploy engine are tested against
// real containers of a real image pulled by digest.
package testapp
