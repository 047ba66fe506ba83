#!/usr/bin/env bash
# Prepares this machine for berth and its tests: a running Docker daemon
# and skopeo. Safe to run again; it only does what is missing.
set -euo pipefail

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}" >&2
	as_root apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
	echo "setup: starting dockerd in the background (log: /tmp/berth-dockerd.log)" >&2
	as_root sh -c 'nohup dockerd >/tmp/berth-dockerd.log 2>&1 &'
	for _ in $(seq 1 60); do
		docker info >/dev/null 2>&1 && break
		sleep 1
	done
	if ! docker info >/dev/null 2>&1; then
		echo "setup: dockerd did not come up; see /tmp/berth-dockerd.log" >&2
		tail -20 /tmp/berth-dockerd.log >&2 || true
		exit 1
	fi
fi
echo "setup: docker $(docker info --format '{{.ServerVersion}}'), $(skopeo --version)" >&2
