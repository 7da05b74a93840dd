#!/usr/bin/env bash
# Memory footprint and start-up of the gateway under the README's default settings (event loops =
# cores, bench/gateway.yaml) for one or more sets of JVM options, measured in alternation so
# background load on the shared machine hits every set alike.
#   bench/footprint.sh                                   # the shipped defaults vs plain JVM ergonomics
#   ROUNDS=3 DURATION=20 bench/footprint.sh '' '-Xmx128m -XX:+UseSerialGC'   # named option sets
# For each round and option set: launch to /readyz 200 (ms), req/s of a c=64 wrk load (2 threads)
# after a warm-up, and the gateway's resident memory (VmRSS) and peak (VmHWM) after the load.
# An option set "defaults" (or no argument) means packaging/jvm.options, as bin/portcullis uses it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
duration="${DURATION:-15}"
rounds="${ROUNDS:-2}"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
[ -f target/portcullis.jar ] || mvn -q -B -Dstyle.color=never -DskipTests package
out="bench/results"; mkdir -p "$out"
[ $# -gt 0 ] || set -- "" defaults

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

java -jar target/portcullis.jar demo-upstream --port 19090 --event-loops 1 > "$out/upstream.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null http://127.0.0.1:19090/v1/models && break; sleep 0.2; done

now_ms() { date +%s%3N; }

# measure OPTS -> "ready_ms rps rss_mib hwm_mib"
measure() {
  local opts=$1 start ready pid rps
  [ "$opts" = defaults ] && opts="@packaging/jvm.options"
  start=$(now_ms)
  # shellcheck disable=SC2086  # the options are words on purpose
  PORTCULLIS_LOG_LEVEL=WARN java $opts -jar target/portcullis.jar serve --config bench/gateway.yaml \
    > "$out/footprint-gateway.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  until curl -sf -o /dev/null http://127.0.0.1:18080/readyz; do
    kill -0 "$pid" 2>/dev/null || { echo "gateway exited, see $out/footprint-gateway.log" >&2; exit 1; }
    sleep 0.02
  done
  ready=$(( $(now_ms) - start ))
  wrk -t2 -c64 -d5s -s bench/chat.lua http://127.0.0.1:18080/v1/chat/completions > /dev/null
  wrk -t2 -c64 -d"${duration}s" -s bench/chat.lua http://127.0.0.1:18080/v1/chat/completions \
    > "$out/footprint-wrk.txt"
  if grep -q 'Non-2xx\|Socket errors' "$out/footprint-wrk.txt"; then
    echo "some requests failed, see $out/footprint-wrk.txt" >&2; exit 1
  fi
  rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out/footprint-wrk.txt")
  awk -v r="$ready" -v q="$rps" '/^VmRSS/ { rss = $2 } /^VmHWM/ { hwm = $2 }
    END { printf "%d %d %.0f %.0f\n", r, q, rss / 1024, hwm / 1024 }' "/proc/$pid/status"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "| round | JVM options | launch to ready ms | req/s c=64 | RSS MiB | peak RSS MiB |"
echo "|---:|---|---:|---:|---:|---:|"
for round in $(seq "$rounds"); do
  for opts in "$@"; do
    read -r ready rps rss hwm < <(measure "$opts")
    label=${opts:-(JVM ergonomics)}
    [ "$opts" = defaults ] && label="packaging/jvm.options"
    echo "| $round | \`$label\` | $ready | $rps | $rss | $hwm |"
  done
done
