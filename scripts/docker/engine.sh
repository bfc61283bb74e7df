#!/usr/bin/env bash
# Make sure a Docker engine answers on /var/run/docker.sock, starting Debian's dockerd by hand when
# none does (CI machines have no systemd). Prints the PID it started, or "external"; installs nothing.
#   scripts/docker/engine.sh start   -> starts dockerd if needed; PID in $FAUXCLOUD_DOCKER_STATE/dockerd.pid
#   scripts/docker/engine.sh stop    -> stops only the dockerd this script started
set -euo pipefail
STATE=${FAUXCLOUD_DOCKER_STATE:-/var/tmp/fauxcloud-docker}
mkdir -p "$STATE"
cmd=${1:-start}

if [[ $cmd == stop ]]; then
  [[ -f $STATE/dockerd.pid ]] || exit 0
  pid=$(cat "$STATE/dockerd.pid"); rm -f "$STATE/dockerd.pid"
  kill "$pid" 2>/dev/null || exit 0          # SIGTERM: dockerd stops its containerd child too
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  exit 0
fi

if docker info >/dev/null 2>&1; then rm -f "$STATE/dockerd.pid"; echo external; exit 0; fi   # not ours to stop
command -v dockerd >/dev/null || { echo "no dockerd on PATH (apt-get install docker.io)" >&2; exit 1; }
# The default data root keeps images (the base image above all) between runs on the same machine.
for driver in overlay2 vfs; do
  nohup dockerd --storage-driver="$driver" -H unix:///var/run/docker.sock >"$STATE/dockerd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then echo "$pid" >"$STATE/dockerd.pid"; echo "$pid"; exit 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
done
echo "dockerd did not start; its log: $STATE/dockerd.log" >&2
tail -20 "$STATE/dockerd.log" >&2
exit 1
