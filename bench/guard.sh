#!/usr/bin/env bash
# Guard cost per KB of text: every built-in detector (high_entropy included) over the labelled
# corpus (src/test/resources/guard, many findings), plain prose and prose with numbers (no findings),
# in CPU time per core.
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B -Dstyle.color=never test-compile
# to a file: Maven's console output starts with a colour escape that would spoil the first entry
mvn -q -B -Dstyle.color=never dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
java -cp "$CP" dev.portcullis.guard.GuardBench
