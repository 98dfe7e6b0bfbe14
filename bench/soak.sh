#!/usr/bin/env bash
# The soak: the project's load generator (fuse.e2e's LoadGenerator: random and sequential reads and writes on files
# passed through (*.bin) and served in Java (*.log), create/stat/readdir/rename/read/unlink in a loop) run by
# several processes at once against one mount of the container (./run), for a fixed time. Every few seconds it
# samples the operations done per kind, the failed ones, the container's open descriptors, heap used and RSS.
# Writes soak.csv, soak.svg (the chart) and summary.txt to bench/results/<UTC time>-soak/.
#
#   bench/soak.sh [-d SECONDS] [-w PROCESSES] [-i SAMPLE_SECONDS]     (defaults: 600, 3, 5)
#
# It mounts, so run it under the shared lock: flock /tmp/fuse-kernel-tests.lock timeout 900 bench/soak.sh -d 600
# Exit status: 0 when no operation failed and neither descriptors nor heap kept growing (see check_growth), 1
# otherwise, 2 for bad usage or a container that did not come up. Build first (./run or mvn package).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
DURATION=600 PROCESSES=3 INTERVAL=5
usage() { echo "usage: bench/soak.sh [-d SECONDS] [-w PROCESSES] [-i SAMPLE_SECONDS]" >&2; exit 2; }
while getopts d:w:i:h opt; do
	case $opt in
	d) DURATION=$OPTARG ;; w) PROCESSES=$OPTARG ;; i) INTERVAL=$OPTARG ;; *) usage ;;
	esac
done
[[ $DURATION =~ ^[0-9]+$ && $PROCESSES =~ ^[1-9][0-9]*$ && $INTERVAL =~ ^[1-9][0-9]*$ ]] || usage
# shellcheck source=/dev/null
source "$REPO/build/jdk25.sh" >/dev/null
[[ -f $REPO/fuse.dist/target/fuse.jar ]] || { echo "soak: no fuse.dist/target/fuse.jar: build first (./run)" >&2; exit 2; }

OUT=$REPO/bench/results/$(date -u +%Y%m%d-%H%M%S)-soak
WORK=$(mktemp -d /tmp/fuse-soak.XXXXXX)
HOME_DIR=$WORK/home SRC=$WORK/source MNT=$WORK/mnt
mkdir -p "$OUT" "$HOME_DIR/load" "$HOME_DIR/runtime" "$SRC" "$MNT" "$WORK/classes"
chmod 755 "$WORK" "$HOME_DIR" "$HOME_DIR/load"
KINDS=(pwrite pread open-write write open-read read create stat readdir rename stat-renamed unlink stat-gone)
CONTAINER=""
GENERATORS=()

cleanup() {
	for g in "${!GENERATORS[@]}"; do touch "$WORK/control$g/stop" 2>/dev/null || true; done
	for pid in "${GENERATORS[@]}"; do timeout 30 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true; done
	if [[ -n $CONTAINER ]] && kill -0 "$CONTAINER" 2>/dev/null; then
		kill -TERM "$CONTAINER" # the container unmounts at SIGTERM
		timeout 30 tail --pid="$CONTAINER" -f /dev/null || kill -9 "$CONTAINER" 2>/dev/null || true
	fi
	"$REPO/build/cleanup-mounts.sh" "^$WORK/"
	# A failed run keeps the container's output for a look; a good one leaves nothing behind.
	if [[ -n ${KEEP:-} ]]; then echo "soak: work folder kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
KEEP=1
trap cleanup EXIT

# The generator is one JDK-only source file: compiled here, no Maven run needed.
"$JAVA_HOME/bin/javac" -d "$WORK/classes" "$REPO/fuse.e2e/src/test/java/fuse/e2e/LoadGenerator.java"

# The mount: *.log served in Java, everything else passed through.
cat >"$HOME_DIR/load/fuse.mount-default.cfg" <<CFG
mountpoint=$MNT
backend=local
root=$SRC
policy=rules
rules=*.log:java
CFG
chmod 644 "$HOME_DIR/load/fuse.mount-default.cfg"
touch "$HOME_DIR/runtime/no-default-mount"
(cd "$REPO" && FUSE_HOME=$HOME_DIR FUSE_NO_BUILD=1 FUSE_AOT=0 exec ./run < <(exec sleep 1000000)) \
	>"$WORK/container.out" 2>&1 &
CONTAINER=$!
for _ in $(seq 600); do
	grep -q " $MNT fuse" /proc/mounts && break
	kill -0 "$CONTAINER" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q " $MNT fuse" /proc/mounts; then
	echo "soak: the container did not mount $MNT within 60 s:" >&2
	tail -n 20 "$WORK/container.out" >&2
	exit 2
fi

for g in $(seq 1 "$PROCESSES"); do
	mkdir -p "$MNT/w$g" "$WORK/control$g"
	"$JAVA_HOME/bin/java" -Xmx256m -cp "$WORK/classes" fuse.e2e.LoadGenerator "$MNT/w$g" "$WORK/report$g" \
		"$WORK/control$g" $((DURATION + 120)) >"$WORK/generator$g.out" 2>&1 &
	GENERATORS[g]=$!
done
for g in $(seq 1 "$PROCESSES"); do
	for _ in $(seq 600); do [[ -e $WORK/control$g/started ]] && break; sleep 0.1; done
	[[ -e $WORK/control$g/started ]] || { echo "soak: generator $g did not start" >&2; cat "$WORK/generator$g.out" >&2; exit 2; }
done

# One sample: seconds, the running total per kind and of failures over every generator, then the container's
# descriptors, heap used (jcmd GC.heap_info), RSS and threads.
sample() {
	local seconds=$1 line totals
	totals=$(cat "$WORK"/control*/counts 2>/dev/null | awk '{n[$1] += $2} END {for (k in n) print k, n[k]}' || true)
	line=$seconds
	for k in "${KINDS[@]}" failures; do
		line+=,$(awk -v k="$k" '$1 == k {print $2; f = 1} END {if (!f) print 0}' <<<"$totals")
	done
	local fds heap rss threads
	fds=$(find "/proc/$CONTAINER/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l || true)
	heap=$("$JAVA_HOME/bin/jcmd" "$CONTAINER" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -n1 | tr -dc 0-9 || true)
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$CONTAINER/status")
	threads=$(awk '/^Threads:/ {print $2}' "/proc/$CONTAINER/status")
	echo "$line,$fds,${heap:-0},$rss,$threads"
}

header=seconds
for k in "${KINDS[@]}"; do header+=,$k; done
echo "$header,failures,fds,heap_used_kib,rss_kib,threads" >"$OUT/soak.csv"
start=$(date +%s)
while :; do
	now=$(($(date +%s) - start))
	kill -0 "$CONTAINER" 2>/dev/null || { echo "soak: the container died at ${now} s" >&2; break; }
	sample "$now" >>"$OUT/soak.csv"
	((now >= DURATION)) && break
	sleep "$INTERVAL"
done

for g in "${!GENERATORS[@]}"; do touch "$WORK/control$g/stop"; done
for pid in "${GENERATORS[@]}"; do timeout 60 tail --pid="$pid" -f /dev/null || true; done
GENERATORS=()
final=$(($(date +%s) - start))
sample "$final" >>"$OUT/soak.csv"

# Growth: the last third of the run against the first third (after the first sample), descriptors by their
# maximum, heap by its minimum (what survives collections). Bounded means: at most 64 more descriptors, and heap
# at most 1.5 times the first third's plus 8 MiB.
check_growth() {
	awk -F, 'NR > 2 {n++; fd[n] = $(NF-3); heap[n] = $(NF-2)}
		END {
			third = int(n / 3); if (third < 1) {print "too few samples to judge growth"; exit 0}
			for (i = 1; i <= n; i++) {
				if (i <= third) {if (fd[i] > fd1) fd1 = fd[i]; if (h1 == "" || heap[i] < h1) h1 = heap[i]}
				if (i > n - third) {if (fd[i] > fd3) fd3 = fd[i]; if (h3 == "" || heap[i] < h3) h3 = heap[i]}
			}
			printf "descriptors: max %d in the first third, %d in the last\n", fd1, fd3
			printf "heap used: min %.1f MiB in the first third, %.1f MiB in the last\n", h1 / 1024, h3 / 1024
			if (fd3 > fd1 + 64) {print "GROWTH: descriptors grew by " fd3 - fd1; bad = 1}
			if (h3 > h1 * 1.5 + 8192) {print "GROWTH: heap grew"; bad = 1}
			exit bad
		}' "$OUT/soak.csv"
}

# Stop as a user would: SIGTERM, which unmounts; the mount must be gone when the container has exited.
kill -TERM "$CONTAINER"
timeout 60 tail --pid="$CONTAINER" -f /dev/null || true
if kill -0 "$CONTAINER" 2>/dev/null || grep -q " $MNT fuse" /proc/mounts; then unmounted=no; else unmounted=yes; fi
CONTAINER=""

missing=0
for g in $(seq 1 "$PROCESSES"); do [[ -f $WORK/report$g ]] || missing=$((missing + 1)); done
IFS=, read -r -a values <<<"$(tail -n1 "$OUT/soak.csv")"
failures=${values[${#KINDS[@]} + 1]}
{
	echo "soak of $(git -C "$REPO" rev-parse --short HEAD) on $(uname -r), $(nproc) CPUs: $PROCESSES load generator processes for ${final} s"
	echo "mount: local backend, policy=rules (*.log served in Java, the rest passed through); samples every ${INTERVAL} s"
	total=0
	for i in "${!KINDS[@]}"; do
		total=$((total + values[i + 1]))
		printf '  %-13s %12d\n' "${KINDS[i]}" "${values[i + 1]}"
	done
	echo "operations: $total ($((total / (final > 0 ? final : 1))) per second)"
	echo "failed operations: $failures"
	cat "$WORK"/report* 2>/dev/null | grep '^failure=' | head -n 5 || true
	((missing == 0)) || echo "generators without a report: $missing"
	echo "RSS: $(awk -F, 'NR == 2 {print $(NF-1)}' "$OUT/soak.csv") KiB at the start, ${values[${#values[@]} - 2]} KiB at the end"
	echo "stopped with SIGTERM, mount gone: $unmounted"
} | tee "$OUT/summary.txt"
growth=0
check_growth | tee -a "$OUT/summary.txt" || growth=1
python3 "$REPO/bench/lib/soak_chart.py" "$OUT/soak.csv" "$OUT/soak.svg" \
	"soak: $PROCESSES load generators, ${final} s, $(git -C "$REPO" rev-parse --short HEAD)"
echo "results: $OUT"
KEEP=""
((failures == 0 && missing == 0 && growth == 0)) && [[ $unmounted == yes ]]
