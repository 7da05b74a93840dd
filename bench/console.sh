#!/usr/bin/env bash
# The console at scale (issue 17): a PostgreSQL store holding 1,000,000 usage rows and 1,000,000
# audit events (bench/console-seed.sql, generated in the database), the gateway on it
# (bench/gateway-console.yaml), then
#   1. every console page, and its heaviest variants, paged through ROUNDS times by one signed-in
#      operator (bench/console-pages.mjs): p50 / p95 / max per page, and p95 over all of them;
#   2. the LLM path's throughput (wrk, c=64, bench/chat.lua with a governed virtual key) alone and
#      while the operator pages through the console (alone, paging, paging, alone): the drop in req/s.
#   bench/console.sh                       # 10 s per throughput run, 20 rounds of pages
#   BENCH_SECONDS=30 ROUNDS=40 bench/console.sh
# Needs PostgreSQL's server binaries (/usr/lib/postgresql/*/bin; apt-get install -y postgresql),
# psql, wrk, node 18+, Maven and a JDK 17+. As root, PostgreSQL runs as the postgres user.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bench_need_wrk
bench_need_node
bench_need_jar
rounds="${ROUNDS:-20}"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$pgbin/initdb" ] && command -v psql >/dev/null \
  || { echo "PostgreSQL is needed: apt-get install -y postgresql" >&2; exit 1; }
export PORTCULLIS_LOG_LEVEL="${PORTCULLIS_LOG_LEVEL:-INFO}"
load_start=$(bench_load)

# a throwaway PostgreSQL cluster in bench/results/console-pg on port 15432
pgport=15432
pgdir="$BENCH_ROOT/$bench_out/console-pg"
as_pg=()
[ "$(id -u)" = 0 ] && as_pg=(runuser -u postgres --)
if [ -d "$pgdir" ]; then
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pgdir"
fi
mkdir -p "$pgdir" && chmod 777 "$pgdir"
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -A trust -U postgres -E UTF8 --no-sync > "$bench_out/console-pg-init.log"
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w -o "-p $pgport -k $pgdir -c listen_addresses=127.0.0.1" start >/dev/null
stop_pg() { "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m fast stop >/dev/null 2>&1 || true; bench_cleanup; }
trap stop_pg EXIT
export BENCH_PG_URL="jdbc:postgresql://127.0.0.1:$pgport/postgres?user=postgres&sslmode=disable"
psql_pg=(psql -h 127.0.0.1 -p "$pgport" -U postgres -d postgres -q -v ON_ERROR_STOP=1)

rm -f "$bench_out"/console-chain.key "$bench_out"/console-checkpoint.jwk
# creating the key migrates the schema; then the rows, generated in the database
vkey=$(java -jar target/portcullis.jar keys create --config bench/gateway-console.yaml --name bench \
  --rpm 100000000 --tpm 100000000000 --budget 1000000 --period monthly 2>/dev/null)
[ -n "$vkey" ] || { echo "could not create the benchmark's virtual key" >&2; exit 1; }
seed_start=$(date +%s)
"${psql_pg[@]}" -v now="$(date +%s%3N)" -f bench/console-seed.sql > "$bench_out/console-seed.log"
seed_s=$(( $(date +%s) - seed_start ))
counts=$("${psql_pg[@]}" -At -c "SELECT (SELECT COUNT(*) FROM usage_records) || ' usage rows, '
  || (SELECT COUNT(*) FROM audit_events) || ' audit events'")

bench_start console-upstream 19194 java -jar target/portcullis.jar demo-upstream --port 19194 --event-loops 1
bench_start console-gateway 18185 java -jar target/portcullis.jar serve --config bench/gateway-console.yaml \
  --event-loops "${GATEWAY_EVENT_LOOPS:-1}"
bench_wait console-upstream http://127.0.0.1:19194/v1/models
bench_wait console-gateway http://127.0.0.1:18185/healthz
gw=http://127.0.0.1:18185
admin_key=bench-console-admin-key
chat=$gw/v1/chat/completions
BENCH_KEY=$vkey bench_warm "$chat" bench/chat.lua
node bench/console-pages.mjs "$gw" "$admin_key" measure 2 > /dev/null   # warm the console's paths

pages=$(node bench/console-pages.mjs "$gw" "$admin_key" measure "$rounds")
load_pages=$(bench_load)

# throughput alone and with the operator paging, in the order alone, paging, paging, alone (so a
# gateway still getting faster as the JIT settles, or a load that drifts, weighs on both alike),
# after one discarded run at full concurrency
BENCH_KEY=$vkey bench_wrk warm-up "$chat" 64 bench/chat.lua > /dev/null
# CPU ticks used so far by PostgreSQL's processes and node (the pager): on a shared machine what
# the console costs the data plane is mostly this, taken from the same cores
side_ticks() {
  local f sum=0 fields
  for f in /proc/[0-9]*/stat; do
    read -r -a fields < "$f" 2>/dev/null || continue
    case "${fields[1]}" in (\(postgres\)|\(node\)) sum=$(( sum + fields[13] + fields[14] )) ;; esac
  done
  echo "$sum"
}
paging() {
  local before after
  before=$(side_ticks)
  node bench/console-pages.mjs "$gw" "$admin_key" loop "$bench_seconds" > "$bench_out/console-loop-$1.txt" &
  local pager=$!
  BENCH_KEY=$vkey bench_wrk "paging-$1" "$chat" 64 bench/chat.lua
  wait "$pager"
  after=$(side_ticks)
  echo "side-paging-$1 $(( after - before ))"
}
alone() {
  local before after
  before=$(side_ticks)
  BENCH_KEY=$vkey bench_wrk "alone-$1" "$chat" 64 bench/chat.lua
  after=$(side_ticks)
  echo "side-alone-$1 $(( after - before ))"
}
runs=$(
  alone 1
  paging 1
  paging 2
  alone 2
)
page_counts=$(cat "$bench_out"/console-loop-1.txt "$bench_out"/console-loop-2.txt | paste -sd+ | bc)

echo "## Console pages over $counts in PostgreSQL"
echo
echo "seeded in ${seed_s} s; $rounds rounds, one request at a time; load average $load_start at the start, $load_pages after the pages"
echo
echo "$pages"
echo
echo "$runs" | awk -v pages="$page_counts" -v secs="$bench_seconds" -v l1="$(bench_load)" -v tick="$(getconf CLK_TCK)" '
  /^side-alone-/ { sideAlone += $2; next }
  /^side-paging-/ { side += $2; next }
  { rps[$1] = $2; p99[$1] = $4 }
  END {
    print "| LLM path, c=64, " secs " s each | req/s | p99 ms |"
    print "|---|---:|---:|"
    for (r = 1; r <= 2; r++) {
      printf "| alone, run %d | %.0f | %.1f |\n", r, rps["alone-" r], p99["alone-" r]
      printf "| while paging the console, run %d | %.0f | %.1f |\n", r, rps["paging-" r], p99["paging-" r]
    }
    print "\n(run order: alone 1, paging 1, paging 2, alone 2, after a discarded warm-up run)"
    printf "\nPostgreSQL and node (the pager) used %.2f cores on average while paging, %.2f while the LLM path ran alone\n", side / tick / (2 * secs), sideAlone / tick / (2 * secs)
    a = rps["alone-1"] + rps["alone-2"]; p = rps["paging-1"] + rps["paging-2"]
    printf "\nthroughput while paging: %.1f%% of alone (drop %.1f%%; target < 5%%); %d console pages served meanwhile; load average %s at the end\n", 100 * p / a, 100 - 100 * p / a, pages, l1
  }'
