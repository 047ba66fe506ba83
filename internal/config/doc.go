// Package config holds berth's one typed configuration: its defaults, how
// BERTH_* environment variables override them, and Validate, which rejects a
// configuration that cannot work before anything is opened or listened on.
//
// Precedence is flags > environment > defaults; the command line applies
// flags last, so only flags the user actually set override the environment.
package config
