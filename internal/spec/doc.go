// Package spec reads berth's app spec: a Compose file, loaded by
// compose-go, plus berth's own keys under x-berth on each service. Read
// checks everything berth relies on and returns an App with every
// default filled in, so the deploy engine never looks at YAML.
//
// A spec stands alone: Read takes an Input, the file's bytes, the
// variables it refers to and the content of the files it names
// (env_file, label_file, secrets.*.file, configs.*.file, a seccomp
// profile in security_opt), and reads nothing else, no file and no
// process environment, so a server deploying a spec sent by a client,
// or a rollback to it months later, reads it the same way. ReadInput
// gathers an Input for the deploying client: the variables from the
// process environment and, for what that does not set, the .env file
// beside the spec, as Compose does, and the files relative to the
// spec's directory, outside it too (../x, absolute), since they are the
// deployer's own. Load is ReadInput then Read; Parse is Read without
// files. include and extends from another file are refused.
//
// The app is named by the file's top-level name, else by the directory
// holding the file, lowercased and cut to [a-z0-9_-] as Compose does.
// Services left out by Compose profiles are left out here too.
//
// # Compose keys
//
// Every key of a Compose service is applied as docker compose applies it
// on a Docker host (pkg/compose/create.go), or refused by name with the
// file, line, key and reason; none is silently left out. keys.go holds
// the table, which README.md shows and a test holds against compose-go's
// schema. What a service says about its containers becomes
// Service.Runtime (driver.Runtime): user, mounts, ports, resources,
// security, networks, logging, restart and the rest, normalised as
// docker compose does (cpus: 0.5 is 500000000 NanoCPUs, port and expose
// ranges one port each, a short-syntax bind or a long one without
// create_host_path: false creates its host path, ulimits' single value
// both limits). Where two keys say the same thing (mem_limit and
// deploy.resources.limits.memory, restart and deploy.restart_policy),
// both set must agree. App.Resources holds the top-level networks, the
// default one always among them, and volumes. Service.DependsOn holds
// depends_on; a dependency the app does not have, or a cycle, is
// refused. deploy.placement, endpoint_mode, deploy.labels and generic
// resources go to Service.Cluster, for drivers that place containers on
// several nodes; Service.Keys lists the keys a service sets, for the
// engine to ask a driver.Refuser about before a rollout.
//
// Refused: what conflicts with rollouts (container_name, volumes_from,
// links, anonymous volumes, namespaces shared with another service),
// with routing (network_mode), with running one image digest
// (platform), or that berth does not run (hooks, develop, provider,
// models, GPUs, Windows-only keys). A service key close to x-berth
// (x-bert, X-Berth, x_berth: within two edits, or the same but for case
// or _) is refused as a misspelling: Compose accepts any x- key, so the
// route in it would be lost without a word.
//
// Secrets and configs become files in driver.Runtime.Files, at
// /run/secrets/<name> and /<name> unless target says otherwise, mode
// 0444 unless set. Their content is in no problem, and in App.Hash and
// Service.ConfigDigest only as a digest, so a change of it rolls the
// service while the hash shows nothing of it.
//
// A service must not have two containers at once when it writes to a
// named volume (unless x-berth.shared_volumes is true), publishes a
// fixed host port, or has a fixed address: it rolls stop-first when its
// order is not set (UpdateConfig.OrderSet), and start-first, blue-green,
// canary and more than one replica are refused. The engine keeps that
// order when it rolls the service out.
//
// # Compose keys that shape rollouts
//
//	image                        required: berth deploys images, not builds
//	pull_policy                  always, missing (default), if_not_present, never
//	deploy.replicas (or scale)   default 1; 0 or more
//	deploy.mode                  replicated only
//	command, entrypoint          as written
//	environment, env_file        KEY=VALUE, sorted
//	labels, label_file           the berth. prefix is berth's own
//	stop_grace_period            default 10s
//	healthcheck                  Docker's defaults: interval 30s, timeout 30s, retries 3
//	deploy.update_config         see below
//	deploy.rollback_config       as update_config; failure_action pause or continue
//
// As in Compose, a variable that is not set interpolates as "" unless
// written ${VAR:?message}.
//
// update_config and rollback_config keep Compose's keys with berth's
// defaults: parallelism 1 (0 means all replicas at once), delay 0s,
// order start-first (Compose's is stop-first; a service that must run
// alone rolls stop-first), failure_action rollback (pause for
// rollback_config), monitor 10s, max_failure_ratio 0.
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
//	        - {weight: 50, pause: manual, verify: true}
//	                                 # manual, or no pause: wait for a promote;
//	                                 # verify: true runs x-berth.verify first
//	        # a last step at weight 100 is added when missing
//	      analysis:                  # needs a route
//	        max_error_rate: 0.01     # 0.01: the share of 5xx responses, 0-1
//	        min_requests: 20         # 20: judged only once this many were served
//	        window: 30s              # 30s
//	      update:                    # none: the image changes only when the file does
//	        policy: semver           # semver, pattern or digest: see Image updates
//	        range: "^2"              # semver: "" takes any release
//	        prerelease: false        # false: true takes pre-releases (v2.1.0-rc.1) too
//	      verify:                    # none: see Verification jobs; needs a route
//	        image: 127.0.0.1:5000/shop/smoke:v1  # required; resolved to a digest
//	        command: [smoke, /healthz]  # the image's; a string is split as Compose does
//	        environment: {EXPECT: ok}   # a mapping or a KEY=VALUE list, as Compose's
//	        timeout: 2m              # 5m
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
//	      shared_volumes: false      # false: true lets containers write to the
//	                                 # service's named volumes side by side
//
// Durations are written the Go way: 500ms, 10s, 1m30s, 2h. Steps' weights
// rise from 1 to at most 100. x-berth at the top level of the file is
// refused, as are keys x-berth does not know.
//
// # Verification jobs
//
// x-berth.verify (Service.Verify) is a one-off container berth runs once
// the new version of a routed service is healthy, with BERTH_TARGET_URL
// set to http://<host>:<proxy port>/, a URL that reaches the new version
// through the edge proxy: the preview host before a blue-green switch,
// the canary's preview host at each canary step marked verify: true
// (a canary with a job must mark one, and a marked step needs the job),
// the route's host after the last batch of a rolling update (and once a
// first rollout, which has no old set, took the traffic). Exit 0 passes;
// any other exit, a timeout or a job that cannot start fails the rollout,
// which follows update_config's failure_action. The job runs in the
// host's network namespace, with the target host mapped to the proxy's
// address in its /etc/hosts. Its image is resolved to a digest when the
// app is deployed and kept with the revision, and pulled under the
// service's pull_policy; a rollback of a rolling service runs that
// digest again, one of a blue-green or canary service switches back at
// once, without the job. The job changes no container, so it is not in
// Service.ConfigDigest: adding or changing it alone rolls nothing.
// berth sets BERTH_TARGET_URL itself; the spec may not.
//
// # Image updates
//
// x-berth.update is the service's image policy (Service.ImagePolicy, an
// imagepolicy.Policy): which tag of its image's repository it should
// run. berth writes a tag the policy prefers to the running one into the
// service's image in the file (SetImage), then deploys the file.
//
//	update: {policy: semver, range: "^1.4"}   # the highest release in range; v1.4.2 and 1.4.2 alike
//	update: {policy: pattern, pattern: '^build-(?P<ts>[0-9]+)-[0-9a-f]{7}$', order: numeric}
//	                                          # the highest value of the one named group;
//	                                          # order: numeric (default) or alphabetical
//	update: {policy: digest, tag: main}       # whatever main points at
//
// A key of another policy is refused (tag with semver), and so is a
// range, pattern or tag the policy cannot use, at its key. The image may
// name any registry and carry a tag, a digest or both, but must be
// written out in the file, as a plain or quoted value: one that is a
// ${VAR} interpolation, an alias, an anchor or from a merge key is
// refused, since berth could not write a new tag into it. The policy is
// in neither App.Hash nor Service.ConfigDigest: it chooses the next
// image and changes nothing in the containers, so changing it alone
// rolls nothing.
//
// SetImage edits one service's image in a file's bytes and keeps the
// rest byte for byte: comments, key order, blank lines, line endings
// and the value's quotes.
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
