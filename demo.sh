#!/usr/bin/env bash
# Self-checking demo: makes the cluster's certificates (tm-certs, into certs/), starts 5 nodes from
# config/tokens.yaml secured by them (mutual TLS, the default), drives them with tm-client, checks every result,
# and stops every process it started (also on failure or Ctrl-C). Exits non-zero if anything is off.
set -uo pipefail
cd "$(dirname "$0")"

CONFIG=config/tokens.yaml
NODES=(127.0.0.1:50051 127.0.0.1:50052 127.0.0.1:50053 127.0.0.1:50054 127.0.0.1:50055)
LOGS=.tmp/demo
PIDS=()
FAILED=0

cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
}
trap cleanup EXIT
trap 'echo; echo "interrupted"; exit 130' INT TERM

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
client() { node dist/src/bin/tm-client.js "$@"; }
# check "what" expected-exit-code command...: runs the command, shows its output, compares the exit code.
check() {
  local what=$1 want=$2; shift 2
  local out rc
  out=$("$@" 2>&1); rc=$?
  printf '$ tm-client %s\n%s\n' "${*:2}" "$out"
  if [[ $rc -ne $want ]]; then echo "FAIL: $what (exit $rc, expected $want)"; FAILED=1; else echo "ok: $what"; fi
  LAST=$out
}
expect() {  # expect "what" pattern: the last output must match
  if grep -qE -- "$2" <<<"$LAST"; then echo "ok: $1"; else echo "FAIL: $1 (no match for $2)"; FAILED=1; fi
}

step "build"
npm run build --silent || exit 1
mkdir -p "$LOGS"

step "certificates: a cluster CA, one certificate per node of the scheme, an admin certificate (kept if there)"
node dist/src/bin/tm-certs.js create --config "$CONFIG" --certs-dir certs || exit 1

step "start 5 nodes (TLS with the certificates in certs/, replica and admin calls for cluster members only)"
# start_node ADDRESS: durable by default, each node keeps its state in data/<ip>_<port> (shown in its start line).
start_node() {
  node dist/server/tm-server.js --config "$CONFIG" --address "$1" --log-level info >"$LOGS/${1/:/_}.log" 2>&1 &
  PIDS+=($!)
  PID_OF[$1]=$!
}
wait_started() {
  for _ in $(seq 100); do grep -q "node started" "$LOGS/${1/:/_}.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "node started" "$LOGS/${1/:/_}.log" || { echo "node $1 did not start:"; cat "$LOGS/${1/:/_}.log"; exit 1; }
  echo "started $1: $(grep -o '"persistence":"[^"]*"' "$LOGS/${1/:/_}.log")"
}
declare -A PID_OF
for node in "${NODES[@]}"; do start_node "$node"; done
for node in "${NODES[@]}"; do wait_started "$node"; done

step "token 1 (writer 50051 is also a reader): write, then read through each reader"
check "write token 1" 0 client write --config $CONFIG --id 1 --name abc --low 0 --mid 10 --high 100 --json
expect "partial of abc over [0,10) is 4" '"partial":\{"nonce":"4"'
for reader in 127.0.0.1:50051 127.0.0.1:50052 127.0.0.1:50053; do
  check "read token 1 at $reader" 0 client read --server $reader --id 1 --json
  expect "final of abc over [0,100) is 70, served by $reader" "\"final\":\\{\"nonce\":\"70\".*\"served_by\":\"$reader\""
done

step "token 2 (writer 50052 is not a reader): write through the scheme, read from a random reader"
check "write token 2" 0 client write --config $CONFIG --id 2 --name hello --low 0 --mid 500 --high 1000 --json
check "read token 2" 0 client read --config $CONFIG --id 2 --json
expect "final of hello over [0,1000) is 826" '"final":\{"nonce":"826"'
check "a read at the writer of token 2 is refused: it is not a reader" 6 client read --server 127.0.0.1:50052 --id 2

step "token alpha: uint64 at the top of the range"
check "write alpha" 0 client write --config $CONFIG --id alpha --name big --low 18446744073709551000 --mid 18446744073709551000 --high 18446744073709551615
check "read alpha" 0 client read --server 127.0.0.1:50055 --id alpha --json
expect "final of big is 18446744073709551084" '"final":\{"nonce":"18446744073709551084"'

step "kill -9 node 50055 and start it again: it serves alpha from its data dir at once"
kill -KILL "${PID_OF[127.0.0.1:50055]}"
wait "${PID_OF[127.0.0.1:50055]}" 2>/dev/null
mv "$LOGS/127.0.0.1_50055.log" "$LOGS/127.0.0.1_50055.before-kill.log"
start_node 127.0.0.1:50055
wait_started 127.0.0.1:50055
check "read alpha at the restarted 50055" 0 client read --server 127.0.0.1:50055 --id alpha --no-failover --json
expect "alpha still final 18446744073709551084, served by 50055" '"final":\{"nonce":"18446744073709551084".*"served_by":"127.0.0.1:50055"'

step "silence 50053 for token 1 only"
check "fail-silent 50053 token 1" 0 client fail-silent --server 127.0.0.1:50053 --id 1
check "50053 no longer answers for token 1 (clean timeout)" 7 client read --server 127.0.0.1:50053 --id 1 --timeout 800 --no-failover
check "50053 still serves token alpha" 0 client read --server 127.0.0.1:50053 --id alpha --json
expect "alpha served by 50053" '"served_by":"127.0.0.1:50053"'
check "status of 50053" 0 client status --server 127.0.0.1:50053 --json
expect "status shows token 1 silent, alpha not" '"id":"1",[^}]*"silent":true.*"id":"alpha",[^}]*"silent":false'

step "a silent minority (1 of 3): writes and reads of token 1 still complete"
check "write token 1 with 50053 silent" 0 client write --config $CONFIG --id 1 --name token-name --low 0 --mid 50000 --high 100000 --json
check "read token 1 with failover" 0 client read --config $CONFIG --id 1 --json --timeout 1000
expect "final of token-name over [0,100000) is 255" '"final":\{"nonce":"255"'

step "a silent majority (2 of 3): token 1 can no longer complete, other tokens can"
check "fail-silent 50052 token 1" 0 client fail-silent --server 127.0.0.1:50052 --id 1
check "write token 1: outcome unknown" 3 client write --config $CONFIG --id 1 --name x --low 0 --mid 1 --high 2 --timeout 1000
# The writer no longer knows its last version committed, and its read lease (1 s) needs a live majority anyway.
check "read token 1 ends cleanly in a timeout" 7 client read --server 127.0.0.1:50051 --id 1 --timeout 1000
check "token 2 still served by 50052" 0 client read --server 127.0.0.1:50053 --id 2 --json

step "a program without the cluster's certificates is refused"
check "plaintext status call to 50053 is refused" 7 client status --server 127.0.0.1:50053 --insecure --timeout 1000
check "TLS without a client certificate: no status" 9 client status --server 127.0.0.1:50053 --tls-ca certs/ca.pem

step "cluster status from every node"
check "status of every node in the scheme" 0 client status --config $CONFIG
expect "every node answered" '127.0.0.1:50055'

step "result"
if [[ $FAILED -ne 0 ]]; then echo "DEMO FAILED (node logs in $LOGS)"; exit 1; fi
echo "demo passed: every check above held (node logs in $LOGS)"
