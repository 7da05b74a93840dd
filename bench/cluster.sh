#!/usr/bin/env bash
# Cluster mode's cost on the governed LLM path: the same wrk load through the governed gateway
# (bench/gateway-cluster-off.yaml: SQLite store, virtual key with RPM/TPM/budget) and through the
# same gateway with a cluster section (bench/gateway-cluster.yaml, a local redis-server), in one run,
# at concurrency 1 and 64, to the built-in demo upstream. Prints a Markdown table for BENCHMARKS.md.
#   bench/cluster.sh                    # 10 s per measurement
#   BENCH_SECONDS=30 bench/cluster.sh
# Needs wrk and redis-server (apt-get install -y wrk redis-server), Maven and a JDK 17+.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need_wrk
bench_need_jar
command -v redis-server >/dev/null || { echo "redis-server is needed: apt-get install -y redis-server" >&2; exit 1; }
export PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}"
loops="${GATEWAY_EVENT_LOOPS:-1}"
load_start=$(bench_load)

bench_start redis 16379 redis-server --port 16379 --bind 127.0.0.1 --save "" --appendonly no
bench_start upstream 19193 java -jar target/portcullis.jar demo-upstream --port 19193 --event-loops 1
rm -f "$bench_out"/bench-cluster-off.db* "$bench_out"/bench-cluster.db*
keys=()
for config in gateway-cluster-off gateway-cluster; do
  k=$(java -jar target/portcullis.jar keys create --config "bench/$config.yaml" --name bench \
    --rpm 100000000 --tpm 100000000000 --budget 1000000 --period monthly 2>/dev/null)
  [ -n "$k" ] || { echo "could not create the benchmark's virtual key for $config" >&2; exit 1; }
  keys+=("$k")
done
bench_start governed 18184 java -jar target/portcullis.jar serve --config bench/gateway-cluster-off.yaml --event-loops "$loops"
bench_start cluster 18183 java -jar target/portcullis.jar serve --config bench/gateway-cluster.yaml --event-loops "$loops"
bench_wait upstream http://127.0.0.1:19193/v1/models
bench_wait governed http://127.0.0.1:18184/healthz
bench_wait cluster http://127.0.0.1:18183/readyz

governed=http://127.0.0.1:18184/v1/chat/completions
cluster=http://127.0.0.1:18183/v1/chat/completions
BENCH_KEY=${keys[0]} bench_warm "$governed" bench/chat.lua
BENCH_KEY=${keys[1]} bench_warm "$cluster" bench/chat.lua

# alternated, so a change in the shared machine's load hits both alike; any failed request fails the run
results=$(
  BENCH_KEY=${keys[0]} bench_wrk governed-c1 "$governed" 1 bench/chat.lua
  BENCH_KEY=${keys[1]} bench_wrk cluster-c1 "$cluster" 1 bench/chat.lua
  BENCH_KEY=${keys[0]} bench_wrk governed-c64 "$governed" 64 bench/chat.lua
  BENCH_KEY=${keys[1]} bench_wrk cluster-c64 "$cluster" 64 bench/chat.lua
)
echo "$results" | awk -v l0="$load_start" -v l1="$(bench_load)" '
  { rps[$1] = $2; p50[$1] = $3; p99[$1] = $4 }
  END {
    print "| measurement | req/s | p50 ms | p99 ms |"
    print "|---|---:|---:|---:|"
    split("governed-c1 cluster-c1 governed-c64 cluster-c64", order, " ")
    for (i = 1; i <= 4; i++) { n = order[i]; printf "| %s | %d | %.3f | %.3f |\n", n, rps[n], p50[n], p99[n] }
    printf "\ncluster mode on: added p50 at c=1: %.3f ms; throughput at c=64: %.1f%% of single-node governed\n",
      p50["cluster-c1"] - p50["governed-c1"], 100 * rps["cluster-c64"] / rps["governed-c64"]
    printf "load average (1 min) at start %s, at end %s\n", l0, l1
  }'
