#!/usr/bin/env bash
# Measure berth's registry against the reference registry,
# github.com/distribution/distribution, on this machine.
#
# Both registries run on loopback with their data on the same filesystem,
# logging errors only, and are measured one after the other by
# `berth bench registry`. Arguments go to that command, for example:
#
#   scripts/bench-registry.sh --only push,pull --blob-size 256MiB
#
# Environment:
#   BENCH_DIR     directory to work in (default $TMPDIR or /tmp); a fresh
#                 directory is made inside it and removed on exit
#   REGISTRY_BIN  a distribution registry binary to use instead of
#                 installing one
set -euo pipefail

distribution_version=v3.1.2

cd "$(dirname "$0")/.."

tmp=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/berth-bench.XXXXXX")
pids=()
cleanup() {
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a loopback TCP port nothing listens on.
free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	echo "no free port found" >&2
	return 1
}

# wait_ready waits until GET $1/v2/ answers 200.
wait_ready() {
	local url=$1 name=$2 log=$3
	for _ in $(seq 100); do
		if curl -fsS -o /dev/null "$url/v2/" 2>/dev/null; then
			return
		fi
		sleep 0.1
	done
	echo "$name did not answer on $url/v2/; its log:" >&2
	cat "$log" >&2
	return 1
}

echo "building berth" >&2
go build -o "$tmp/berth" ./cmd/berth

registry=${REGISTRY_BIN:-}
if [[ -z $registry ]]; then
	echo "installing distribution $distribution_version" >&2
	GOBIN="$tmp/bin" go install "github.com/distribution/distribution/v3/cmd/registry@$distribution_version"
	registry=$tmp/bin/registry
fi

berth_port=$(free_port)
dist_port=$(free_port)
while [[ $dist_port == "$berth_port" ]]; do
	dist_port=$(free_port)
done

# distribution's own example configuration (cmd/registry/config-example.yml),
# with deletes on and logging cut down to errors like berth's below.
cat >"$tmp/distribution.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: $tmp/distribution-data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$dist_port
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
YAML

"$tmp/berth" serve --listen "127.0.0.1:$berth_port" --data "$tmp/berth-data" --log-level error \
	>"$tmp/berth.log" 2>&1 &
pids+=($!)
"$registry" serve "$tmp/distribution.yml" >"$tmp/distribution.log" 2>&1 &
pids+=($!)

berth_url=http://127.0.0.1:$berth_port
dist_url=http://127.0.0.1:$dist_port
wait_ready "$berth_url" berth "$tmp/berth.log"
wait_ready "$dist_url" distribution "$tmp/distribution.log"

# The large blob's file goes in $tmp too, on the same disk as both stores.
TMPDIR=$tmp "$tmp/berth" bench registry --url "berth=$berth_url" --url "distribution=$dist_url" "$@"
