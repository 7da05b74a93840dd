#!/usr/bin/env bash
# Memory footprint and start-up of the gateway under the README's default settings (event loops =
# cores, bench/gateway.yaml) for one or more sets of JVM options, measured in alternation so
# background load on the shared machine hits every set alike.
#   bench/footprint.sh                                   # the shipped defaults vs plain JVM ergonomics
#   ROUNDS=3 DURATION=20 bench/footprint.sh '' '-Xmx128m -XX:+UseSerialGC'   # named option sets
# For each round and option set: launch to /readyz 200 (ms, and the CPU ms the JVM used to get
# there), req/s of a c=64 wrk load (2 threads)
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

# Free ports, not bench/gateway.yaml's fixed ones: another benchmark on the machine must not
# answer in place of the gateway measured here.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
upstream_port=$(free_port)
port=$(free_port)
config="$out/footprint-gateway.yaml"
sed -e "s/127.0.0.1:19090/127.0.0.1:$upstream_port/" -e "s/port: 18080/port: $port/" bench/gateway.yaml > "$config"
url=http://127.0.0.1:$port

java -jar target/portcullis.jar demo-upstream --port "$upstream_port" --event-loops 1 > "$out/upstream.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$upstream_port/v1/models" && break; sleep 0.2; done

now_ms() { date +%s%3N; }

# measure OPTS: sets ready and cpu (ms), rps, rss and hwm (MiB)
measure() {
  local opts=$1 start pid
  [ "$opts" = defaults ] && opts="@packaging/jvm.options"
  start=$(now_ms)
  # shellcheck disable=SC2086  # the options are words on purpose
  PORTCULLIS_LOG_LEVEL=WARN java $opts -jar target/portcullis.jar serve --config "$config" \
    > "$out/footprint-gateway.log" 2>&1 &
  pid=$!
  pids+=("$pid")
  until curl -sf -o /dev/null "$url/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "gateway exited, see $out/footprint-gateway.log" >&2; exit 1; }
    sleep 0.02
  done
  ready=$(( $(now_ms) - start ))
  # CPU time spent to get there: on a busy machine the wall time mostly measures the others.
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$pid/stat")
  wrk -t2 -c64 -d5s --timeout 10s -s bench/chat.lua "$url/v1/chat/completions" > /dev/null
  wrk -t2 -c64 -d"${duration}s" --timeout 10s -s bench/chat.lua "$url/v1/chat/completions" \
    > "$out/footprint-wrk.txt"
  if grep -q 'Non-2xx\|Socket errors' "$out/footprint-wrk.txt"; then
    echo "some requests failed, see $out/footprint-wrk.txt" >&2; exit 1
  fi
  rps=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$out/footprint-wrk.txt")
  rss=$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  while curl -s -o /dev/null "$url/healthz"; do sleep 0.1; done   # the port is free for the next one
}

echo "| round | JVM options | launch to ready ms | CPU ms to ready | req/s c=64 | RSS MiB | peak RSS MiB |"
echo "|---:|---|---:|---:|---:|---:|---:|"
for round in $(seq "$rounds"); do
  for opts in "$@"; do
    measure "$opts"
    label=${opts:-(JVM ergonomics)}
    [ "$opts" = defaults ] && label="packaging/jvm.options"
    echo "| $round | \`$label\` | $ready | $cpu | $rps | $rss | $hwm |"
  done
done
