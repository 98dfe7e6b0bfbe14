#!/usr/bin/env bash
# Round-trip benchmark of fuse.channel (needs root and /dev/fuse): stat (GETATTR) and 4 KiB direct-I/O reads
# (READ) against a handler that does no work, with 1 and N reader threads and 1 and N client threads.
#   bench/channel/run.sh [seconds per run, default 3] [N, default 4]
# Builds fuse.channel (tests skipped) and runs fuse.channel.bench.ChannelBench from the test classes.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
source build/jdk25.sh
cleanup() { bash "$top/build/cleanup-mounts.sh" '^/tmp/fuse-channel-bench-'; }
trap cleanup EXIT
mvn -B -o -q verify -pl fuse.channel -am -DskipTests >/dev/null
m2="${HOME}/.m2/repository"
cp="fuse.channel/target/classes:fuse.channel/target/test-classes:fuse.api/target/classes:fuse.posix/target/classes"
cp="$cp:$m2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar:$m2/org/slf4j/slf4j-simple/2.0.17/slf4j-simple-2.0.17.jar"
timeout 600 java --enable-native-access=ALL-UNNAMED -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$cp" \
  fuse.channel.bench.ChannelBench "$@"
