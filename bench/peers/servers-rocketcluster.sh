# ---------------- RocketCluster (name server + one broker master, ASYNC_FLUSH) ----------------
# Appended to the copied lib/servers.sh by bench/peers/run-side-by-side.sh. Runs the compiled servers
# from $ROCKETCLUSTER_HOME/dist (npm run build). The broker's PID goes to $PB_DATA/rocketcluster.pid:
# that is the process tree the harness charges as "server CPU" (the name server idles during runs).
RC_NAMESRV_PORT=${RC_NAMESRV_PORT:-29876}
RC_BROKER_PORT=${RC_BROKER_PORT:-30911}
RC_SEGMENT_BYTES=${RC_SEGMENT_BYTES:-1073741824}

start_rocketcluster() {
  local home="${ROCKETCLUSTER_HOME:?ROCKETCLUSTER_HOME must point at the rocketcluster checkout}"
  [ -f "$home/dist/broker/main.js" ] && [ -f "$home/dist/nameserver/main.js" ] || { echo "no dist/ in $home: run npm run build" >&2; return 1; }
  rm -rf "$PB_DATA/rocketcluster"; mkdir -p "$PB_DATA/rocketcluster"
  node "$home/dist/nameserver/main.js" --host 127.0.0.1 --listen-port "$RC_NAMESRV_PORT" --http-port "$((RC_NAMESRV_PORT + 1))" \
    --data-dir "$PB_DATA/rocketcluster/namesrv" --log-level warn > "$PB_LOGS/rocketcluster-namesrv.log" 2>&1 &
  echo $! > "$PB_DATA/rocketcluster-namesrv.pid"
  wait_port 127.0.0.1 "$RC_NAMESRV_PORT" 60 || return 1
  node "$home/dist/broker/main.js" --broker-name bench-broker --listen-host 127.0.0.1 --listen-port "$RC_BROKER_PORT" \
    --broker-ip1 127.0.0.1 --namesrv-addr "127.0.0.1:$RC_NAMESRV_PORT" --store-path-root-dir "$PB_DATA/rocketcluster/broker" \
    --flush-disk-type ASYNC_FLUSH --commit-log-segment-bytes "$RC_SEGMENT_BYTES" --log-level warn > "$PB_LOGS/rocketcluster.log" 2>&1 &
  echo $! > "$PB_DATA/rocketcluster.pid"
  wait_port 127.0.0.1 "$RC_BROKER_PORT" 60
}
stop_rocketcluster() {
  stop_pid "$PB_DATA/rocketcluster.pid" 30
  stop_pid "$PB_DATA/rocketcluster-namesrv.pid" 30
}
