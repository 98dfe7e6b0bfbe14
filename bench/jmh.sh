#!/usr/bin/env bash
# JMH microbenchmarks of the channel's codec and dispatch (fuse.channel's test sources): requests per second through
# decode -> handler -> reply encoding, without the kernel. Builds what it needs (mvn package, no install) and runs
# JMH; arguments go to JMH (e.g. `bench/jmh.sh -t 2`, `bench/jmh.sh DispatchBenchmark.dispatch -p request=READ_4K`,
# `bench/jmh.sh -h`). Results: bench/results/jmh-<timestamp>/ (text log + JSON), or -o DIR as the first option.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
out=$here/results/jmh-$(date +%Y%m%d-%H%M%S)
if [[ ${1:-} == -o ]]; then out=$2; shift 2; fi
cd "$repo"
source build/jdk25.sh
# package (never install: ~/.m2 is shared; -DskipTests still compiles the test sources, where the benchmarks
# are); the dependency plugin writes the channel's test classpath next to it
mvn -B -q package dependency:build-classpath -Dmdep.outputFile=target/jmh.classpath -Dmdep.includeScope=test \
  -pl fuse.channel -am -DskipTests >&2
cp=fuse.channel/target/test-classes:fuse.channel/target/classes:$(cat fuse.channel/target/jmh.classpath)
mkdir -p "$out"
{
  echo "command: cd $repo && $(printf '%q ' "$0" "$@")"
  echo "kernel: $(uname -r)  cpu: $(lscpu | awk -F': +' '/^Model name/ {print $2; exit}') x $(nproc)"
  echo "jdk: $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 2p)"
  echo "project: $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo '+uncommitted')"
  echo "loadavg: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/env.txt" >&2
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" org.openjdk.jmh.Main \
  -rf json -rff "$out/jmh.json" "$@" 2>&1 | tee "$out/jmh.txt"
echo "results: $out" >&2
