#!/usr/bin/env bash
# JMH microbenchmarks of the hot pure functions (src/jmh/java): guard scan, SSE split, OpenAI
# request preparation, limit reservation and settlement. They compile with the tests in every
# build; this runs them. Arguments go to JMH, e.g. a benchmark regex or options:
#   bench/jmh.sh                          # all, 1 fork, 3 x 1 s warm-up, 5 x 1 s measurement
#   bench/jmh.sh GuardScan -f 2 -i 10     # one class, more iterations
#   bench/jmh.sh -l                       # list them
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -Dstyle.color=never test-compile
# to a file: Maven's console output starts with a colour escape that would spoil the first entry
mvn -q -B -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
cp="target/test-classes:target/classes:$(cat target/bench.classpath)"
if [ $# -eq 0 ]; then set -- -f 1 -wi 3 -w 1s -i 5 -r 1s; fi
exec java -cp "$cp" org.openjdk.jmh.Main "$@"
