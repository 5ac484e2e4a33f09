#!/usr/bin/env bash
# Runs the shared peers harness (../shared/perf/peers) with RocketCluster added as one more system,
# without modifying the shared copy: the harness is copied into a temp folder, our adapter and our
# start/stop functions are dropped into the copy, and the copy's run-all.sh learns to clean our
# server up. Then: SYSTEMS="${SYSTEMS:-redis nats rocketcluster}" REPS=${REPS:-1} ./run-all.sh
#
# Prerequisite: `npm run build` (the adapter and the servers run from dist/).
# Runs as root: run-all.sh apt-get installs the peers (nats-server, rabbitmq-server, redis-server,
# fio) unless SKIP_INSTALL=1, and npm installs their clients into $PEERS_BENCH_DIR (/tmp/peers-bench).
#
# Environment: PEERS_DIR (default <repo>/../shared/perf/peers), SYSTEMS, REPS, RC_NAMESRV_PORT (29876),
# RC_BROKER_PORT (30911), RC_PULL_BATCH (128), KEEP_COPY=1 keeps the temp copy; everything else
# (SKIP_PHYSICAL, SKIP_INSTALL, COUNT, ...) is run-all.sh's.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
PEERS_DIR="${PEERS_DIR:-$REPO/../shared/perf/peers}"
[ -f "$PEERS_DIR/run-all.sh" ] || { echo "no peers harness at $PEERS_DIR (set PEERS_DIR)" >&2; exit 1; }
for f in dist/client/index.js dist/broker/main.js dist/nameserver/main.js; do
  [ -f "$REPO/$f" ] || { echo "missing $REPO/$f: run \`npm run build\` first" >&2; exit 1; }
done

COPY="$(mktemp -d "${TMPDIR:-/tmp}/peers-side-by-side-XXXXXX")"
[ "${KEEP_COPY:-0}" = 1 ] || trap 'rm -rf "$COPY"' EXIT
cp -r "$PEERS_DIR"/. "$COPY"/
chmod -R u+w "$COPY"
cp "$HERE/adapters/rocketcluster.js" "$COPY/adapters/"
cat "$HERE/servers-rocketcluster.sh" >> "$COPY/lib/servers.sh"

# run-all.sh's cleanup() knows only the peers' servers: add ours (stop, data folder). server_of()
# maps an unknown system to itself already, so start_/stop_rocketcluster are found without a change.
sed -i \
  -e 's/stop_redis || true$/stop_redis || true; stop_rocketcluster || true/' \
  -e 's|"\$PB_DATA/redis"$|"$PB_DATA/redis" "$PB_DATA/rocketcluster"|' \
  "$COPY/run-all.sh"
grep -q 'stop_rocketcluster || true' "$COPY/run-all.sh" && grep -q '"$PB_DATA/rocketcluster"' "$COPY/run-all.sh" \
  || { echo "could not patch $COPY/run-all.sh (the shared harness changed?)" >&2; exit 1; }

export ROCKETCLUSTER_HOME="$REPO"
echo "peers harness copy: $COPY; uptime: $(uptime)" >&2
cd "$COPY"
SYSTEMS="${SYSTEMS:-redis nats rocketcluster}" REPS="${REPS:-1}" ./run-all.sh
echo "uptime after: $(uptime)" >&2
