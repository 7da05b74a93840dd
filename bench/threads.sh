#!/usr/bin/env bash
# Where a gateway's CPU goes per request: the plain gateway (bench/gateway.yaml) and the governed
# one (bench/gateway-keys.yaml: SQLite store, virtual key with RPM/TPM/budget, usage and audit)
# under the same wrk load at concurrency 64, one after the other, each alone with the fast local
# upstream; then each gateway thread's CPU time (/proc/PID/task/*/stat) divided by the requests
# served, in microseconds. Names are the kernel's (15 characters): vert.x-eventloo is the event
# loop, portcullis-audi the audit writer, portcullis-usag the usage writer, portcullis-log- the
# log writer, "java" and the GC/compiler threads the JVM's own.
#   bench/threads.sh                     # 20 s per gateway
#   BENCH_SECONDS=30 bench/threads.sh
# Needs wrk, Maven and a JDK 17+.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need_wrk
bench_need_jar
export PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}"
upstream=http://127.0.0.1:19090/v1
bench_start upstream 19090 java -jar target/portcullis.jar demo-upstream --port 19090 --event-loops 1
bench_wait upstream $upstream/models
rm -f "$bench_out"/bench.db*
vkey=$(java -jar target/portcullis.jar keys create --config bench/gateway-keys.yaml --name bench \
  --rpm 100000000 --tpm 100000000000 --budget 1000000 --period monthly 2>/dev/null)
[ -n "$vkey" ] || { echo "could not create the benchmark's virtual key" >&2; exit 1; }

# cpu_ticks PID: "thread-name ticks" per thread (ticks: user + system, in clock ticks)
cpu_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    echo "$(tr ' ' '_' < "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done
}

# measure NAME CONFIG PORT KEY
measure() {
  local name=$1 config=$2 port=$3 key=$4
  local url="http://127.0.0.1:$port/v1/chat/completions"
  bench_start "$name" "$port" java -jar target/portcullis.jar serve --config "$config" --event-loops 1
  local pid=${bench_pids[-1]}
  bench_wait "$name" "http://127.0.0.1:$port/healthz"
  BENCH_KEY=$key bench_warm "$url" bench/chat.lua
  cpu_ticks "$pid" > "$bench_out/threads-$name-before.txt"
  local line
  line=$(BENCH_KEY=$key bench_wrk "$name-c64" "$url" 64 bench/chat.lua)
  cpu_ticks "$pid" > "$bench_out/threads-$name-after.txt"
  local requests
  requests=$(awk '/requests in/ {print $1}' "$bench_out/wrk-$name-c64.txt")
  echo "$line" | awk '{printf "%s: %s req/s, p50 %s ms, p99 %s ms\n", $1, $2, $3, $4}'
  # per thread name, summed (several GC or compiler threads share a name): µs of CPU per request
  join <(sort "$bench_out/threads-$name-before.txt" | awk '{s[$1]+=$2} END {for (k in s) print k, s[k]}' | sort) \
       <(sort "$bench_out/threads-$name-after.txt" | awk '{s[$1]+=$2} END {for (k in s) print k, s[k]}' | sort) \
    | awk -v n="$requests" -v hz="$(getconf CLK_TCK)" '{d = $3 - $2; if (d > 0) printf "  %-16s %7.1f us/request\n", $1, d * 1e6 / hz / n}' \
    | sort -k2 -n -r
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "bench/threads.sh: ${bench_seconds} s at c=64 per gateway, commit $(git rev-parse --short HEAD), load average $(bench_load)"
measure plain bench/gateway.yaml 18080 bench-key
measure governed bench/gateway-keys.yaml 18081 "$vkey"
echo "load average at end $(bench_load)"
