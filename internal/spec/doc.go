// Package spec reads berth's app spec: a Compose file, loaded by
// compose-go, plus berth's own keys under x-berth on each service. Load
// and Parse check everything berth relies on and return an App with
// every default filled in, so the deploy engine never looks at YAML.
//
// A spec stands alone: Parse reads the file's bytes and the variables
// it is given and nothing else, no other file and no process
// environment, so a server deploying a spec sent by a client, or a
// rollback to it months later, reads it the same way. Load, for the
// deployer's side, gives Parse the process environment and, for what
// that does not set, the .env file beside the spec, as Compose does. For
// the same reason include, extends from another file, env_file and
// label_file are refused.
//
// The app is named by the file's top-level name, else by the directory
// holding the file, lowercased and cut to [a-z0-9_-] as Compose does.
// Services left out by Compose profiles are left out here too.
//
// # Compose keys berth reads
//
//	image                        required: berth deploys images, not builds
//	pull_policy                  always, missing (default), if_not_present, never
//	deploy.replicas (or scale)   default 1; 0 or more
//	deploy.mode                  replicated only
//	command, entrypoint          as written
//	environment                  KEY=VALUE, sorted
//	labels                       the berth. prefix is berth's own
//	stop_grace_period            default 10s
//	healthcheck                  Docker's defaults: interval 30s, timeout 30s, retries 3
//	deploy.update_config         see below
//	deploy.rollback_config       as update_config; failure_action pause or continue
//
// Other Compose keys (ports, volumes, networks...) are checked by
// compose-go and otherwise left alone. As in Compose, a variable that is
// not set interpolates as "" unless written ${VAR:?message}.
//
// update_config and rollback_config keep Compose's keys with berth's
// defaults: parallelism 1 (0 means all replicas at once), delay 0s,
// order start-first (Compose's is stop-first), failure_action rollback
// (pause for rollback_config), monitor 10s, max_failure_ratio 0.
//
// # x-berth
//
// Every key is optional. A full example, with the defaults in comments:
//
//	services:
//	  web:
//	    image: 127.0.0.1:5000/shop/web:v2
//	    deploy:
//	      replicas: 3
//	      update_config: {parallelism: 1, delay: 2s, order: start-first, failure_action: rollback, monitor: 10s}
//	    x-berth:
//	      route:                     # none: a worker, which the proxy does not route to
//	        host: shop.local         # a DNS name, one service per host
//	        port: 8080               # the container port, 1-65535
//	      health:                    # the proxy's HTTP check; needs a route
//	        path: /healthz           # /
//	        interval: 1s             # 2s
//	        timeout: 1s              # 1s
//	        healthy_threshold: 1     # 1
//	        unhealthy_threshold: 2   # 2
//	      strategy: canary           # rolling; blue-green and canary need a route
//	      steps:                     # canary only, and required there
//	        - {weight: 10, pause: 30s}
//	        - {weight: 50, pause: manual}  # manual, or no pause: wait for a promote
//	        # a last step at weight 100 is added when missing
//	      analysis:                  # needs a route
//	        max_error_rate: 0.01     # 0.01: the share of 5xx responses, 0-1
//	        min_requests: 20         # 20: judged only once this many were served
//	        window: 30s              # 30s
//	  admin:
//	    image: 127.0.0.1:5000/shop/admin:v2
//	    x-berth:
//	      route: {host: admin.shop.local, port: 9000}
//	      strategy: blue-green
//	      keep_previous: 10m         # blue-green only: 10m, how long the old set stays up
//	      confirm: manual            # blue-green only: auto; manual waits for
//	                                 # `berth rollout promote` before the switch;
//	                                 # true and false work too
//	  worker:
//	    image: 127.0.0.1:5000/shop/worker:v2
//	    x-berth:
//	      ready_after: 5s            # 5s: for a service with neither route nor
//	                                 # healthcheck, how long it must stay running
//
// Durations are written the Go way: 500ms, 10s, 1m30s, 2h. Steps' weights
// rise from 1 to at most 100. x-berth at the top level of the file is
// refused, as are keys x-berth does not know.
//
// # Errors
//
// A spec with problems gives Errors, every problem found at once in file
// order, each an *Error naming the file, line, column and key path:
//
//	compose.yaml:14:7: services.web.x-berth.strategy: "bluegreen" is not one of rolling, blue-green, canary
//
// Each wraps ErrInvalid. compose-go stops at its first problem and names
// no line; Parse places compose-go's problem with the file's own YAML
// nodes, drops the key at fault and loads again, so compose-go's
// problems are collected too.
package spec
