#!/usr/bin/env bash
# Start to ready of the README's command: times `bin/portcullis serve` on the demo config, from
# launch to the first GET /readyz 200, RUNS times (default 5), and prints each run's wall time
# with the CPU time the JVM used up to then (all threads, and the main thread alone: the part
# that is on the critical path whatever the load), then min and median of the wall times.
#   bench/startup.sh                 # 5 runs
#   RUNS=9 bench/startup.sh          # more runs on a busy machine
# The first serve after a build records the class-data archive (target/portcullis.jsa); that run
# is done before the timed ones and not counted. The demo's data directory is a scratch copy.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${RUNS:-5}"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
dir=$(mktemp -d)
cp "$root/examples/demo.yaml" "$dir/"
pid=
cleanup() { [ -z "$pid" ] || kill "$pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tick=$(getconf CLK_TCK)

# serve: starts bin/portcullis serve and waits for /readyz; sets ms, cpu and main (CPU ms)
serve() {
  local start end
  start=$(date +%s%N)
  "$root/bin/portcullis" serve --config "$dir/demo.yaml" --port "$port" > "$dir/serve.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/readyz"; do
    kill -0 "$pid" 2>/dev/null || { echo "serve exited:" >&2; cat "$dir/serve.log" >&2; exit 1; }
    sleep 0.01
  done
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  # bin/portcullis execs java, so $pid is the JVM; its main thread is the other task named java
  # (the launcher's own thread only waits)
  read -r -a all < "/proc/$pid/stat"
  local main_task t
  for t in /proc/$pid/task/*; do
    [ "${t##*/}" != "$pid" ] && [ "$(cat "$t/comm")" = java ] && main_task=${t##*/} && break
  done
  read -r -a m < "/proc/$pid/task/$main_task/stat"
  cpu=$(( (all[13] + all[14]) * 1000 / tick ))
  main=$(( (m[13] + m[14]) * 1000 / tick ))
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=
}

serve # records the class-data archive when the jar is newer than it; not counted
walls=()
for i in $(seq "$runs"); do
  serve
  walls+=("$ms")
  echo "run $i: ${ms} ms to ready; CPU ${cpu} ms (main thread ${main} ms)"
done
sorted=($(printf '%s\n' "${walls[@]}" | sort -n))
echo "min ${sorted[0]} ms, median ${sorted[$(( runs / 2 ))]} ms over $runs runs (load average $(cut -d' ' -f1-3 /proc/loadavg))"
