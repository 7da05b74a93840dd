#!/usr/bin/env bash
# Load benchmark: the same wrk load sent straight to a fast local upstream (the built-in demo
# provider) and through the gateway to that upstream, in one run, at concurrency 1 and 64.
# A second gateway runs with governance on (virtual key check, RPM/TPM buckets, budget
# reservation and settlement, batched usage writes to SQLite).
# Prints a Markdown table for BENCHMARKS.md. Everything listens on 127.0.0.1 only.
#   bench/run.sh            # 10 s per measurement
#   DURATION=30 bench/run.sh
#   GATEWAY_JAVA_OPTS= bench/run.sh   # gateways on JVM ergonomics instead of packaging/jvm.options
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
# The gateways run with the shipped JVM defaults, as bin/portcullis starts them.
read -r -a gateway_jvm <<< "${GATEWAY_JAVA_OPTS-@packaging/jvm.options}"
PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}" java "${gateway_jvm[@]}" -jar target/portcullis.jar serve \
  --config bench/gateway.yaml --event-loops "${GATEWAY_EVENT_LOOPS:-1}" > "$out/gateway.log" 2>&1 &
pids+=($!)
gateway_pid=$!
rm -f "$out"/bench.db*
vkey=$(java -jar target/portcullis.jar keys create --config bench/gateway-keys.yaml --name bench \
  --rpm 100000000 --tpm 100000000000 --budget 1000000 --period monthly 2>/dev/null)
[ -n "$vkey" ] || { echo "could not create the benchmark's virtual key" >&2; exit 1; }
PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}" java "${gateway_jvm[@]}" -jar target/portcullis.jar serve \
  --config bench/gateway-keys.yaml --event-loops "${GATEWAY_EVENT_LOOPS:-1}" > "$out/gateway-keys.log" 2>&1 &
pids+=($!)
governed_pid=$!
for url in http://127.0.0.1:19090/v1/models http://127.0.0.1:18080/healthz http://127.0.0.1:18081/healthz; do
  for _ in $(seq 100); do curl -sf -o /dev/null "$url" && break; sleep 0.2; done
done

# run NAME URL CONNECTIONS THREADS [KEY] -> "rps p50 p99" (latencies in ms); any error fails the run
run() {
  local name=$1 url=$2 c=$3 t=$4 key=${5:-bench-key}
  BENCH_KEY="$key" wrk -t"$t" -c"$c" -d"${duration}s" --latency -s bench/chat.lua "$url" > "$out/$name.txt"
  if grep -q 'Non-2xx\|Socket errors' "$out/$name.txt"; then
    echo "$name: some requests failed, see $out/$name.txt" >&2; exit 1
  fi
  awk -v name="$name" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    END { printf "%s %.0f %.3f %.3f\n", name, rps, p50, p99 }' "$out/$name.txt"
}

direct=http://127.0.0.1:19090/v1/chat/completions
gateway=http://127.0.0.1:18080/v1/chat/completions
governed=http://127.0.0.1:18081/v1/chat/completions
# Warm the JITs before measuring.
wrk -t2 -c16 -d5s -s bench/chat.lua "$direct" > /dev/null
wrk -t2 -c16 -d5s -s bench/chat.lua "$gateway" > /dev/null
BENCH_KEY="$vkey" wrk -t2 -c16 -d5s -s bench/chat.lua "$governed" > /dev/null

results=$(
  run direct-c1 "$direct" 1 1
  run gateway-c1 "$gateway" 1 1
  run direct-c64 "$direct" 64 2
  run gateway-c64 "$gateway" 64 2
  run governed-c1 "$governed" 1 1 "$vkey"
  run governed-c64 "$governed" 64 2 "$vkey"
)
echo "$results" | awk '
  { rps[$1] = $2; p50[$1] = $3; p99[$1] = $4 }
  END {
    print "| measurement | req/s | p50 ms | p99 ms |"
    print "|---|---:|---:|---:|"
    split("direct-c1 gateway-c1 governed-c1 direct-c64 gateway-c64 governed-c64", order, " ")
    for (i = 1; i <= 6; i++) { n = order[i]; printf "| %s | %d | %.3f | %.3f |\n", n, rps[n], p50[n], p99[n] }
    printf "\nadded p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of direct\n",
      p50["gateway-c1"] - p50["direct-c1"], 100 * rps["gateway-c64"] / rps["direct-c64"]
    printf "governance on (key check, limits, budget, usage): added p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of the ungoverned gateway\n",
      p50["governed-c1"] - p50["gateway-c1"], 100 * rps["governed-c64"] / rps["gateway-c64"]
  }'
rss() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"; }
printf "resident memory after the load (JVM options: %s): gateway %s MiB, governed %s MiB\n" \
  "${gateway_jvm[*]:-JVM ergonomics}" "$(rss "$gateway_pid")" "$(rss "$governed_pid")"
