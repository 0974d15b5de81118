#!/usr/bin/env bash
# Throughput and server CPU per operation of one build, for side-by-side (A/B) comparisons of two builds:
#   RR=0 src/tools/bench/cpu-per-op.sh BUILD_ROOT memory|durable spread|one CONCURRENCY DURATION
# starts three tm-server of BUILD_ROOT (its dist/) on 127.0.0.1:61001-61003 with 100 tokens (writers spread over
# the nodes, or all on the first), warms up with 2,000 operations, runs tm-bench at --read-ratio RR (default 0),
# and prints ops/s, p99, and the three nodes' user+system CPU per operation (from /proc) with the client's.
# Interleave two builds' runs and compare medians: the machine's speed drifts.
set -euo pipefail
ROOT=$1; MODE=$2; LAYOUT=$3; C=$4; DUR=$5
D=$(mktemp -d)
P=(61001 61002 61003)
for i in $(seq 1 100); do
  if [ "$LAYOUT" = one ]; then w=61001; else w=${P[$((i % 3))]}; fi
  echo "- token: $i"
  echo "  writer: 127.0.0.1:$w"
  echo "  readers: [127.0.0.1:61001, 127.0.0.1:61002, 127.0.0.1:61003]"
done > "$D/tokens.yaml"
PIDS=()
for p in "${P[@]}"; do
  if [ "$MODE" = memory ]; then X=--in-memory; else X="--data-dir $D/data-$p"; fi
  (cd "$D" && exec node "$ROOT/dist/server/tm-server.js" --config "$D/tokens.yaml" --address 127.0.0.1:$p --insecure $X --log-level warn > "$D/$p.log" 2>&1) &
  PIDS+=($!)
done
sleep 2.5
cpu() {
  local t=0
  for pid in "${PIDS[@]}"; do
    for f in /proc/$pid/task/*/stat; do
      local s; s=$(sed 's/.*) //' "$f" 2>/dev/null) || continue
      set -- $s
      t=$((t + ${12} + ${13}))
    done
  done
  echo $t
}
BENCH=(node "$ROOT/dist/src/bin/tm-bench.js" --config "$D/tokens.yaml" --insecure -c "$C" --read-ratio "${RR-0}")
"${BENCH[@]}" --ops 2000 --json > /dev/null 2>&1
c0=$(cpu)
"${BENCH[@]}" --duration "$DUR" --no-prepare --json > "$D/out.json" 2> "$D/err"
c1=$(cpu)
kill "${PIDS[@]}"
wait 2>/dev/null || true
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1]))
const serverUsPerOp = (Number(process.argv[2]) * 10000) / r.totalOps
console.log(process.argv[3], "ops/s", r.opsPerSec, "p99", r.byKind[0].p99Ms, "server us/op", serverUsPerOp.toFixed(0), "client us/op", r.clientCpuUsPerOp)
' "$D/out.json" $((c1 - c0)) "$MODE $LAYOUT"
rm -rf "$D"
