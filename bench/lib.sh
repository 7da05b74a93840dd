# Shared by the bench/*.sh scripts (sourced, not run): tools, processes, wrk runs and their
# parsing. Everything listens on, and is reached through, 127.0.0.1.
#   BENCH_SECONDS   seconds per measurement (default 10; DURATION is the older name)
#   BENCH_TIMEOUT   wrk's per-request timeout (default 10s: wrk's 2 s counts slow answers on a
#                   loaded machine as socket errors, which would fail the row)
#   PORTCULLIS_LOG_LEVEL, GATEWAY_EVENT_LOOPS, BENCH_ACCESS_LOG   as the gateways read them

# a failed bench_wrk inside results=$(...) fails the caller's run, as under set -e anywhere else
shopt -s inherit_errexit
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$BENCH_ROOT"
bench_seconds="${BENCH_SECONDS:-${DURATION:-10}}"
bench_out="bench/results"
mkdir -p "$bench_out"

# bench_need_wrk: wrk from Debian, installed when we may (root with apt-get), else a clear stop.
bench_need_wrk() {
  command -v wrk >/dev/null && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing wrk (apt-get install -y wrk)" >&2
    apt-get install -y -q wrk >&2 || { apt-get update -q >&2 && apt-get install -y -q wrk >&2; }
  fi
  command -v wrk >/dev/null || { echo "wrk is needed: apt-get install -y wrk" >&2; exit 1; }
}

bench_need_node() {
  command -v node >/dev/null && command -v npm >/dev/null \
    || { echo "node and npm are needed (Debian: apt-get install -y nodejs npm)" >&2; exit 1; }
}

# bench_need_jar: the gateway jar, built once (bench results are for what is built, so a stale jar
# is the caller's choice: delete target/portcullis.jar to rebuild).
bench_need_jar() {
  [ -f target/portcullis.jar ] || mvn -q -B -Dstyle.color=never -DskipTests package
}

bench_pids=()
bench_cleanup() {
  local p
  for p in "${bench_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap bench_cleanup EXIT

# bench_start NAME PORT COMMAND...: starts a server in the background (log in bench/results/NAME.log)
# after checking that nothing else listens on its port: on a shared machine another bench could,
# and it would be measured instead.
bench_start() {
  local name=$1 port=$2
  shift 2
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port (for $name) is taken by another process; stop it or free the port" >&2
    exit 1
  fi
  "$@" > "$bench_out/$name.log" 2>&1 &
  bench_pids+=($!)
}

# bench_wait NAME URL: waits up to 30 s for URL to answer with any HTTP status.
bench_wait() {
  local name=$1 url=$2
  for _ in $(seq 150); do
    curl -s -o /dev/null "$url" && return
    sleep 0.2
  done
  echo "$name did not start; see $bench_out/$name.log" >&2
  exit 1
}

# bench_wrk NAME URL CONNECTIONS SCRIPT [DURATION]: one wrk run with the Lua script (environment
# variables reach it), printing "NAME req/s p50 p99" (latencies in ms). When any request failed
# (non-2xx, socket errors) or none was made, it prints "NAME failed failed failed" and returns 1.
bench_wrk() {
  local name=$1 url=$2 c=$3 script=$4 seconds=${5:-$bench_seconds}
  local threads=$(( c < 2 ? 1 : 2 ))
  local file="$bench_out/wrk-$name.txt"
  if ! wrk -t"$threads" -c"$c" -d"${seconds}s" --timeout "${BENCH_TIMEOUT:-10s}" --latency -s "$script" "$url" > "$file" 2>&1 \
      || grep -q 'Non-2xx\|Socket errors' "$file" || ! grep -q '^Requests/sec' "$file"; then
    echo "$name: requests failed, see $file" >&2
    echo "$name failed failed failed"
    return 1
  fi
  awk -v name="$name" '
    function ms(v) { if (v ~ /us$/) return v/1000; if (v ~ /ms$/) return v+0; if (v ~ /s$/) return v*1000; return v }
    /^ +50%/ { p50 = ms($2) } /^ +99%/ { p99 = ms($2) } /^Requests\/sec/ { rps = $2 }
    END { printf "%s %.0f %.3f %.3f\n", name, rps, p50, p99 }' "$file"
}

# bench_warm URL SCRIPT: a wrk run at the measured concurrency to warm the JITs; its numbers are
# not kept. 30 s by default: under load a gateway's C2 compiler works for about a minute (governed:
# 880 req/s in the first 10 s, 4,400 in the next, 7,600 by 30 s, 9,700 by 60 s; bench/threads.sh shows
# the compiler threads' share), and on two cores that CPU is taken from the process being measured.
bench_warm() {
  wrk -t2 -c64 -d"${BENCH_WARM_SECONDS:-30}s" -s "$2" "$1" > /dev/null
}

# bench_load: the one-minute load average now (the machine is shared: read every number with it).
bench_load() {
  cut -d' ' -f1 /proc/loadavg
}
