#!/usr/bin/env bash
# Guard cost on the LLM path: the same wrk load through the plain gateway (bench/gateway.yaml)
# and through the gateway with a pseudonymise rule on requests and responses
# (bench/gateway-guard.yaml), both to the built-in demo upstream, in one run, at concurrency 1
# and 64. The guarded gateway is measured twice: with a request without personal data (the
# guard scans, finds nothing) and with one carrying an e-mail address and an IBAN (pseudonymised
# upstream; the demo echoes them, so the answer is restored and scanned too). Prints a Markdown
# table for BENCHMARKS.md.
#   bench/guarded.sh            # 10 s per measurement
#   DURATION=30 bench/guarded.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration="${DURATION:-10}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
[ -f target/portcullis.jar ] || mvn -q -B -DskipTests package
out="bench/results"; mkdir -p "$out"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

java -jar target/portcullis.jar demo-upstream --port 19090 --event-loops 1 > "$out/upstream.log" 2>&1 &
pids+=($!)
PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}" java -jar target/portcullis.jar serve \
  --config bench/gateway.yaml --event-loops "${GATEWAY_EVENT_LOOPS:-1}" > "$out/gateway.log" 2>&1 &
pids+=($!)
PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}" java -jar target/portcullis.jar serve \
  --config bench/gateway-guard.yaml --event-loops "${GATEWAY_EVENT_LOOPS:-1}" > "$out/gateway-guard.log" 2>&1 &
pids+=($!)
for url in http://127.0.0.1:19090/v1/models http://127.0.0.1:18080/healthz http://127.0.0.1:18082/healthz; do
  for _ in $(seq 100); do curl -sf -o /dev/null "$url" && break; sleep 0.2; done
done

gateway=http://127.0.0.1:18080/v1/chat/completions
guarded=http://127.0.0.1:18082/v1/chat/completions
# run NAME URL CONNECTIONS THREADS SCRIPT -> "name rps p50 p99" (ms); any error fails the run
run() {
  local name=$1 url=$2 c=$3 t=$4 script=$5
  wrk -t"$t" -c"$c" -d"${duration}s" --latency -s "$script" "$url" > "$out/guard-$name.txt"
  if grep -q 'Non-2xx\|Socket errors' "$out/guard-$name.txt"; then
    echo "$name: some requests failed, see $out/guard-$name.txt" >&2; exit 1
  fi
  awk -v name="$name" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    END { printf "%s %.0f %.3f %.3f\n", name, rps, p50, p99 }' "$out/guard-$name.txt"
}

# Warm the JITs before measuring.
wrk -t2 -c16 -d5s -s bench/chat.lua "$gateway" > /dev/null
wrk -t2 -c16 -d5s -s bench/chat.lua "$guarded" > /dev/null
wrk -t2 -c16 -d5s -s bench/chat-pii.lua "$guarded" > /dev/null

results=$(
  run gateway-c1 "$gateway" 1 1 bench/chat.lua
  run guarded-c1 "$guarded" 1 1 bench/chat.lua
  run guarded-pii-c1 "$guarded" 1 1 bench/chat-pii.lua
  run gateway-c64 "$gateway" 64 2 bench/chat.lua
  run guarded-c64 "$guarded" 64 2 bench/chat.lua
  run guarded-pii-c64 "$guarded" 64 2 bench/chat-pii.lua
)
echo "$results" | awk '
  { rps[$1] = $2; p50[$1] = $3; p99[$1] = $4 }
  END {
    print "| measurement | req/s | p50 ms | p99 ms |"
    print "|---|---:|---:|---:|"
    split("gateway-c1 guarded-c1 guarded-pii-c1 gateway-c64 guarded-c64 guarded-pii-c64", order, " ")
    for (i = 1; i <= 6; i++) { n = order[i]; printf "| %s | %d | %.3f | %.3f |\n", n, rps[n], p50[n], p99[n] }
    printf "\nguard on, nothing found: added p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of the unguarded gateway\n",
      p50["guarded-c1"] - p50["gateway-c1"], 100 * rps["guarded-c64"] / rps["gateway-c64"]
    printf "guard on, e-mail and IBAN pseudonymised: added p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of the unguarded gateway\n",
      p50["guarded-pii-c1"] - p50["gateway-c1"], 100 * rps["guarded-pii-c64"] / rps["gateway-c64"]
  }'
