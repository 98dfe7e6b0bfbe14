#!/usr/bin/env bash
# bench/startup-ab.sh - compares the container start-up of two checkouts in alternating pairs.
#
# Usage: sudo bench/startup-ab.sh [-n PAIRS] CHECKOUT_A CHECKOUT_B
#
# On this kind of VM a start's wall time drifts by a third from one minute to the next, so two variants measured
# one after the other say little. This launches them alternately (A cold, B cold, A warm, B warm, per pair), each
# from its own fresh FUSE_HOME for the cold start and the same home for the warm one, times each from the launch
# of ./run to its default mount answering stat(2), and reports the medians and the median of the paired
# differences (B - A), which the drift largely cancels out of. Both jars must be built (FUSE_NO_BUILD is set);
# each checkout's AOT cache is primed and waited for first. Every launch is stopped with SIGTERM, then killed,
# and its mount lazily unmounted, whatever happens.
set -euo pipefail
source "$(dirname "$0")/lib/container.sh"
pairs=8
while getopts n:h opt; do
	case $opt in
		n) pairs=$OPTARG ;;
		*) sed -n '2,12p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
(($# == 2)) || { sed -n '2,12p' "$0"; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run as root (mounting)" >&2; exit 2; }
a=$(cd "$1" && pwd) b=$(cd "$2" && pwd)
for c in "$a" "$b"; do [[ -x $c/run && -f $c/fuse.dist/target/fuse.jar ]] || { echo "$c: no ./run or no built jar" >&2; exit 2; }; done

work=$(mktemp -d /tmp/fuse-startup-ab.XXXXXX)
cleanup() {
	# A launch runs in a command substitution (a subshell): find its container by the work dir in its command line.
	pkill -TERM -f -- "$work/" 2>/dev/null && sleep 2
	pkill -KILL -f -- "$work/" 2>/dev/null || true
	for m in "$work"/*/mnt; do [[ -d $m ]] && umount -l "$m" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

# start CHECKOUT NAME HOME: seconds from launch to the mount answering stat; the server is stopped afterwards
start() {
	local checkout=$1 dir=$work/$2 home=$3 t0 t1 LAUNCHED
	mkdir -p "$dir/src" "$dir/mnt" "$home"
	t0=$(date +%s.%N)
	launch_run "$checkout" "$dir/src" "$dir/mnt" "$home" "$dir/log"
	await_mount "$dir/mnt" "$dir/mnt" || { echo "$checkout did not mount in 30 s, see $dir/log" >&2; exit 1; }
	t1=$(date +%s.%N)
	stop_run "$LAUNCHED" "$dir/mnt"
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}

# await_aot CHECKOUT: waits (up to 120 s) for that checkout's AOT cache assembly (build/aot.sh), matched by its
# helper's arguments (aot-assemble PID JAR...), since every helper's command line holds the text of the whole
# function, -XX:AOTMode=create included, whichever jar it assembles for.
await_aot() { local i; for ((i = 0; i < 120; i++)); do pgrep -f -- "aot-assemble [0-9]+ $1/" >/dev/null || return 0; sleep 1; done; }

for c in a b; do # prime: record the AOT cache if there is none, and let it be assembled
	checkout=${!c}
	start "$checkout" "prime-$c" "$work/prime-$c/home" >/dev/null; await_aot "$checkout"
	start "$checkout" "prime-$c" "$work/prime-$c/home" >/dev/null; await_aot "$checkout"
done

printf '%-5s %8s %8s %8s %8s\n' pair A-cold B-cold A-warm B-warm
results=$work/results
for ((p = 1; p <= pairs; p++)); do
	ac=$(start "$a" a "$work/a/home-$p")
	bc=$(start "$b" b "$work/b/home-$p")
	aw=$(start "$a" a "$work/a/home-$p")
	bw=$(start "$b" b "$work/b/home-$p")
	printf '%-5s %8s %8s %8s %8s\n' "$p" "$ac" "$bc" "$aw" "$bw"
	echo "$ac $bc $aw $bw" >>"$results"
done
awk -v A="$a" -v B="$b" '
	function median(v, n,   i, j, t) {
		for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
		return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
	}
	{ n++; ac[n] = $1; bc[n] = $2; aw[n] = $3; bw[n] = $4; dc[n] = $2 - $1; dw[n] = $4 - $3 }
	END {
		printf "A = %s\nB = %s\n", A, B
		printf "cold: median A %.3f s, B %.3f s, paired B-A %+.3f s\n", median(ac, n), median(bc, n), median(dc, n)
		printf "warm: median A %.3f s, B %.3f s, paired B-A %+.3f s\n", median(aw, n), median(bw, n), median(dw, n)
	}' "$results"
