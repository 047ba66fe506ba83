package config

// Template is the configuration `berth init` writes: the defaults spelled
// out, with release tags immutable.
const Template = `# berth configuration. Flags and BERTH_* environment variables override
# what is set here; see berth serve --help.

listen: 127.0.0.1:5000
# The edge proxy: app traffic goes here and on to the deployed containers.
proxy_listen: 127.0.0.1:8000
data: ./berth-data
upload_ttl: 24h
shutdown_timeout: 30s
log:
  level: info
  format: text
# One line per request: time, client, host, method, path, status, bytes
# and duration, with the account for the registry and the API, and the
# backend's address (upstream) for the edge proxy; in log.format. Each is
# stderr, off or a file's path, appended to and created 0640. For log
# rotation, SIGHUP to berth serve reopens the registry's file and SIGHUP
# to the proxy process (its pid is in <data>/proxy/pid) the proxy's.
access_log:
  registry: stderr
  proxy: stderr

# The edge proxy. A request body that sends nothing for body_idle_timeout
# is cut with 408. trusted_proxies: load balancers in front of it, as
# addresses or CIDR ranges; only for requests from these is the client
# read from X-Forwarded-For (or Forwarded), for the access log and for the
# X-Forwarded-For and X-Real-Ip the apps get.
proxy:
  body_idle_timeout: 30s
  trusted_proxies: []

# The HTTP server of the registry and the API. Without accounts on
# loopback it answers only to loopback addresses and localhost, so that
# no web page can reach it by DNS rebinding; allowed_hosts adds names
# (and, once set, is checked with accounts too). allowed_origins lists web
# origins (scheme://host[:port]) besides berth's own whose pages may
# change anything. A request body that sends nothing for
# body_idle_timeout is cut; one that keeps sending never is.
server:
  allowed_hosts: []
  allowed_origins: []
  body_idle_timeout: 1m
  read_header_timeout: 30s
  idle_timeout: 2m

# Without users or robots berth does not authenticate, and then it only
# listens on loopback unless insecure_no_auth is true. Add accounts with
#   berth user add NAME --config berth.yaml [--admin] [--access 'team/**=pull,push']
#   berth robot add NAME --config berth.yaml --access 'shop/**=pull,push' --access 'app:shop=deploy,read'
# Each grant in an account's access is one of
#   {repos: PATTERN, actions: [pull, push, delete]}
#   {apps: PATTERN, actions: [read, logs, deploy, rollback, promote, approve, remove]}
auth:
  service: berth
  token_ttl: 5m
  # Failed logins a client address may make at once, then per minute;
  # past that its logins get 429 for a while. An account name has the same
  # budget from all addresses together, which holds back only the
  # addresses that failed against it. 0: no limit.
  failed_logins_per_minute: 10
  # Reverse proxies in front of berth, as addresses or CIDR ranges: only
  # for requests from these is the client read from X-Forwarded-For.
  trusted_proxies: []
  # Repositories anyone may pull from without logging in.
  anonymous_pull: []
  users: []
  robots: []

# A release tag, once pushed, never moves and is never deleted. Pushing the
# same digest again succeeds, so CI retries are safe. This rule is the
# default even without this section; immutable_tags: [] turns it off.
immutable_tags:
  - repos: "**"
    tags: "v*"

# What garbage collection may delete besides unreferenced content, e.g.
#   - repos: "**"
#     tags: "build-*"
#     keep: 20
#   - repos: "**"
#     untagged_older_than: 168h
retention: []

gc:
  interval: 24h
  grace: 1h

# Signed notifications of pushes and deletes, e.g.
#   - name: deployer
#     url: https://deploy.example.com/hooks/registry
#     secret: a-long-random-string
#     actions: [push, delete]
#     repos: "apps/**"
webhooks: []

# Stages apps run in, in order; none means one, which is never named.
# The same app runs in each with its own containers, networks, volumes
# and history; host_suffix is appended to its route hosts there
# (shop -> shop.int.example.com). A promotion takes the digests that run,
# healthy and verified, in "from" and rolls them out here with this
# environment's own spec: by itself once they have run for "after" with
# auto: true, after "berth approve APP --env NAME" with approval: manual,
# else when someone runs "berth promote APP --to NAME". e.g.
#   - name: integration
#     host_suffix: int.example.com
#   - name: qa
#     host_suffix: qa.example.com
#     promotion: {from: integration, auto: true, after: 10m}
#   - name: production
#     host_suffix: example.com
#     promotion: {from: qa, require: [healthy, verified], approval: manual}
environments: []

# Git repositories whose Compose files berth applies and keeps applied:
# a change in git is rolled out, a change made by hand on the host is
# undone. Secrets are named, never written here: a file or an
# environment variable. Add one with
#   berth source add config --url https://git.example.com/ops/config.git --path apps --password-env GIT_TOKEN
# e.g.
#   - name: config
#     url: https://git.example.com/ops/config.git  # or ssh://, git@host:path, file://, a path
#     branch: main
#     path: apps            # the directory that holds the Compose files
#     interval: 1m          # how often to fetch when no webhook says
#     prune: true           # remove an app whose file leaves the source
#     # With environments declared: where the source's apps run (default
#     # the first environment), or by folder, relative to path, so that
#     # apps/integration/shop and apps/production/shop are one app in two.
#     # environment: production
#     # environments: {integration: integration, production: production}
#     auth:
#       username: berth
#       password_env: GIT_TOKEN        # or password_file
#       # ssh_key_file: /etc/berth/id_ed25519
#       # known_hosts_file: /etc/berth/known_hosts
#     webhook:
#       secret_env: HOOK_SECRET        # or secret_file; none: no webhooks
sources: []
`
