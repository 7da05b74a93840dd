#!/usr/bin/env bash
# Guard cost per KB of text: every built-in detector (high_entropy included) over the labelled
# corpus (src/test/resources/guard, many findings) and over plain prose (no findings).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q -B test-compile
CP="target/test-classes:target/classes:$(mvn -q -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout)"
java -cp "$CP" dev.portcullis.guard.GuardBench
