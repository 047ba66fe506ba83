#!/usr/bin/env bash
# Measure berth's edge proxy and deploy engine on this machine:
#
#   - BenchmarkProxy: requests per second and latency (p50, p99) of GET /
#     on one test app container, reached directly, through berth's proxy
#     and through nginx as a tuned reverse proxy (upstream keep-alive),
#     with the same load generator at 64 and 16 connections;
#   - BenchmarkDeployTime: from the start of `berth deploy` to all traffic
#     on the new version of a 3-replica app, rolling and blue-green, as a
#     poller sending requests through the proxy sees it.
#
# It sets up Docker (scripts/setup.sh), installs nginx if it is missing
# without letting its own service start, and runs the benchmarks in
# internal/e2e/bench_{proxy,deploy}_test.go, which print their figures. What they
# start (berth, nginx, the test app's image, containers and networks) is
# removed when they end. Arguments go to `go test`.
#
# Environment:
#   BENCH_DURATION  how long each proxy row is measured after a 2s
#                   warm-up (default 10s)
#   BENCH_RUNS      deploys timed per strategy (default 3)
set -euo pipefail

cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/sbin

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

bash scripts/setup.sh

policy=/usr/sbin/policy-rc.d
own_policy=
cleanup() {
	if [[ -n $own_policy ]]; then
		as_root rm -f "$policy"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! command -v nginx >/dev/null 2>&1; then
	echo "bench-deploy: installing nginx" >&2
	# Debian starts a package's service on install unless policy-rc.d
	# says no (exit 101); the benchmark runs nginx itself.
	if [[ ! -e $policy ]]; then
		own_policy=1
		printf '#!/bin/sh\n# scripts/bench-deploy.sh: no service starts while nginx installs\nexit 101\n' |
			as_root tee "$policy" >/dev/null
		as_root chmod 755 "$policy"
	fi
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get install -y -qq --no-install-recommends nginx >/dev/null
	cleanup
	own_policy=
	# Should it have started anyway (a policy that allowed it), stop it.
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
		as_root systemctl stop nginx
	fi
	if [[ -s /run/nginx.pid ]] && pid=$(cat /run/nginx.pid) && kill -0 "$pid" 2>/dev/null; then
		as_root kill -QUIT "$pid"
	fi
fi
echo "bench-deploy: $(nginx -v 2>&1)" >&2

go test ./internal/e2e -run '^$' -bench 'BenchmarkProxy|BenchmarkDeployTime' -benchtime 1x -timeout 30m -v "$@"
