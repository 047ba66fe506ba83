// Package testapp builds the service berth's tests deploy (the program
// in testapp/app, whose handlers are in testapp/appserver) into FROM
// scratch images and pushes them to a registry, so that drivers and the
// deploy engine are tested against real containers of a real image
// pulled by digest.
package testapp
