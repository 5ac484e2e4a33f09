#!/usr/bin/env bash
# End-to-end test on a throwaway kind cluster (`npm run e2e:kind`):
#   build both images -> kind cluster -> load images -> helm install the operator chart -> apply
#   deploy/examples/ha.yaml -> wait Ready -> produce (recording acknowledged sends) -> delete the
#   master pod of broker-0 while producing -> wait until the status shows a new epoch -> produce more
#   -> consume everything -> fail if any acknowledged message is missing -> tear down (always).
# Skips with exit 0 where Docker or kind is missing. Clients run in a pod of the cluster: brokers
# advertise pod IPs, which a port-forward from the host cannot reach.
#
# Knobs: KIND_CLUSTER_NAME (rocketcluster-e2e), E2E_TAG (e2e), E2E_MESSAGES (300 per phase),
# KEEP_CLUSTER=1 (leave the cluster for inspection), E2E_SKIP_BUILD=1 (reuse images already built).
set -euo pipefail
cd "$(dirname "$0")/../.."

skip() {
  echo "e2e:kind: SKIPPED - $1" >&2
  exit 0
}
command -v docker >/dev/null 2>&1 || skip "docker is not installed"
docker info >/dev/null 2>&1 || skip "the Docker daemon is not reachable ('docker info' failed)"
command -v kind >/dev/null 2>&1 || skip "kind is not installed (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"

CLUSTER=${KIND_CLUSTER_NAME:-rocketcluster-e2e}
TAG=${E2E_TAG:-e2e}
BROKER_IMAGE=rocketcluster/broker:$TAG
OPERATOR_IMAGE=rocketcluster/operator:$TAG
OPERATOR_NS=rocketcluster-system
NS=rocketcluster-e2e
RC=ha
TOPIC=E2E
COUNT=${E2E_MESSAGES:-300}
WORK=$(mktemp -d)
HELM=$(node -r @swc-node/register deploy/tools/helm.ts helm)
KUBECTL=$(command -v kubectl || node -r @swc-node/register deploy/tools/helm.ts kubectl)
# A kubeconfig of its own: the run never touches the user's current context.
export KUBECONFIG=$WORK/kubeconfig
PRODUCER_PID=

log() { echo "e2e:kind: $*" >&2; }
k() { "$KUBECTL" "$@"; }

teardown() {
  local rc=$?
  [ -n "$PRODUCER_PID" ] && kill "$PRODUCER_PID" 2>/dev/null || true
  if [ "$rc" -ne 0 ] && [ -f "$KUBECONFIG" ]; then
    log "FAILED (exit $rc); cluster state:"
    k get rocketcluster,statefulsets,pods,pvc -n "$NS" -o wide >&2 || true
    k describe rocketcluster "$RC" -n "$NS" >&2 || true
    k logs -n "$OPERATOR_NS" -l app.kubernetes.io/component=operator --tail=200 >&2 || true
  fi
  if [ "${KEEP_CLUSTER:-0}" = "1" ]; then
    log "cluster $CLUSTER kept (KUBECONFIG=$KUBECONFIG); delete it with: kind delete cluster --name $CLUSTER"
  else
    kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap teardown EXIT

# Polls a command until it succeeds, at most $2 seconds.
wait_for() {
  local what=$1 timeout=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "timed out after ${timeout}s waiting for $what"
      return 1
    fi
    sleep 2
  done
}

status() { k get rocketcluster "$RC" -n "$NS" -o jsonpath="$1"; }
drive() { k exec -i -n "$NS" e2e-client -- node - "$@" < e2e/kind/driver.js; }

if [ "${E2E_SKIP_BUILD:-0}" != "1" ]; then
  log "building $BROKER_IMAGE and $OPERATOR_IMAGE"
  docker build -q -f Dockerfile.broker -t "$BROKER_IMAGE" . >/dev/null
  docker build -q -f Dockerfile.operator -t "$OPERATOR_IMAGE" . >/dev/null
fi

log "creating kind cluster $CLUSTER"
kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
kind create cluster --name "$CLUSTER" --kubeconfig "$KUBECONFIG" --wait 180s
kind load docker-image --name "$CLUSTER" "$BROKER_IMAGE" "$OPERATOR_IMAGE"

log "installing the operator chart"
"$HELM" install rocketcluster-operator charts/rocketcluster-operator --namespace "$OPERATOR_NS" --create-namespace \
  --set image.repository=rocketcluster/operator --set image.tag="$TAG" --set image.pullPolicy=Never --wait --timeout 5m

log "applying deploy/examples/ha.yaml"
k create namespace "$NS"
sed "s#^\(  image:\) .*#\1 $BROKER_IMAGE#" deploy/examples/ha.yaml | k apply -n "$NS" -f -
k wait rocketcluster/"$RC" -n "$NS" --for=condition=Ready --timeout=10m
NAMESRV=$(status '{.status.nameserverAddress}')
log "cluster Ready; nameserver $NAMESRV"

k run e2e-client -n "$NS" --image="$BROKER_IMAGE" --image-pull-policy=Never --restart=Never --command -- sleep 86400
k wait pod/e2e-client -n "$NS" --for=condition=Ready --timeout=3m
drive wait-groups "$NAMESRV" 2 180
drive create-topic "$NAMESRV" "$TOPIC" 4 2 120

log "producing $COUNT messages"
drive produce "$NAMESRV" "$TOPIC" before "$COUNT" 0 > "$WORK/acked-before.txt"
[ -s "$WORK/acked-before.txt" ] || { log "no send was acknowledged before the failover"; exit 1; }

OLD_MASTER=$(status '{.status.groups[0].master}')
OLD_EPOCH=$(status '{.status.groups[0].epoch}')
[ -n "$OLD_MASTER" ] || { log "status.groups[0].master is empty"; exit 1; }
log "broker-0 master $OLD_MASTER at epoch $OLD_EPOCH; producing while it is killed"
drive produce "$NAMESRV" "$TOPIC" during "$COUNT" 20 > "$WORK/acked-during.txt" &
PRODUCER_PID=$!
wait_for "the first sends of the failover phase" 60 test -s "$WORK/acked-during.txt"
k delete pod "$OLD_MASTER" -n "$NS" --grace-period=0 --force --wait=false

epoch_advanced() { [ "$(status '{.status.groups[0].epoch}')" -gt "$OLD_EPOCH" ] && [ -n "$(status '{.status.groups[0].master}')" ]; }
wait_for "a new epoch in status.groups[0]" 180 epoch_advanced
NEW_MASTER=$(status '{.status.groups[0].master}')
NEW_EPOCH=$(status '{.status.groups[0].epoch}')
log "failover: broker-0 master $OLD_MASTER@$OLD_EPOCH -> $NEW_MASTER@$NEW_EPOCH"
wait "$PRODUCER_PID"
PRODUCER_PID=

drive produce "$NAMESRV" "$TOPIC" after "$COUNT" 0 > "$WORK/acked-after.txt"
[ -s "$WORK/acked-after.txt" ] || { log "no send was acknowledged after the failover"; exit 1; }
k wait rocketcluster/"$RC" -n "$NS" --for=condition=Ready --timeout=5m

drive consume "$NAMESRV" "$TOPIC" > "$WORK/consumed.txt"
sort -u "$WORK"/acked-*.txt > "$WORK/acked.txt"
sort -u "$WORK/consumed.txt" > "$WORK/consumed-sorted.txt"
comm -23 "$WORK/acked.txt" "$WORK/consumed-sorted.txt" > "$WORK/lost.txt"
ACKED=$(wc -l < "$WORK/acked.txt")
CONSUMED=$(wc -l < "$WORK/consumed-sorted.txt")
if [ -s "$WORK/lost.txt" ]; then
  log "LOST $(wc -l < "$WORK/lost.txt") of $ACKED acknowledged messages, e.g.: $(head -5 "$WORK/lost.txt" | tr '\n' ' ')"
  exit 1
fi
log "PASSED: $ACKED acknowledged messages all consumed ($CONSUMED distinct stored), failover $OLD_MASTER@$OLD_EPOCH -> $NEW_MASTER@$NEW_EPOCH"
