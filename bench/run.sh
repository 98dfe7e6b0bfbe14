#!/usr/bin/env bash
# bench/run.sh - the project's benchmark: native directory vs. this project's FUSE mount (passthrough on and
# off) vs. libfuse's passthrough_hp (passthrough on and off), measured back to back in ONE run on this machine.
#
# Usage: sudo bench/run.sh [options]
#
#   -s SIZE   fio file size (default 1G)
#   -r N      repetitions (default 3); medians are reported (use >= 3 for results worth quoting)
#   -u N      warm-up repetitions before them (default 1, 0 = none): run like the others, on every system, but
#             kept out of the medians and reported on their own ("First pass": a freshly started JVM's code is
#             still interpreted or being compiled there, and that table shows what it costs)
#   -S LIST   systems to compare with native, comma separated (default: ours,ours-nopt, plus ours-wb,hp,hp-nopt
#             when a passthrough_hp is available):
#               ours       this project's container (./run), default mount, passthrough on
#               ours-nopt  the same with passthrough off (FUSE_PASSTHROUGH=false)
#               ours-wb    passthrough off and the kernel's writeback cache on (FUSE_WRITEBACK_CACHE=true), the
#                          configuration passthrough_hp --nopassthrough runs with: like for like with hp-nopt
#               ours-t86400  ours with entry_timeout=attr_timeout=86400 s (FUSE_TIMEOUT=86400), passthrough_hp's
#                          default: like for like with hp, for a source nobody changes behind the mount
#               ours-watch   ours with coherence=watch (FUSE_COHERENCE=watch): the local backend watches its source
#                          with fanotify and the kernel caches for 3600 s (what ours does by default as root)
#               ours-timeout ours with coherence=timeout: no watch, 1 s timeouts
#               ours-metrics ours with /metrics served (FUSE_HTTP on loopback) and scraped every second during the
#                          whole run, 15 times as often as Prometheus's usual 15 s: what watching it costs (the scrapes that answered are counted
#                          in logs/, one line each, beside the server's GC log)
#               hp         libfuse example/passthrough_hp (passthrough on)
#               hp-nopt    passthrough_hp --nopassthrough (which also turns the writeback cache on)
#               NAME-uring any ours* or hp* system above over FUSE over io_uring: ours with FUSE_TRANSPORT=uring,
#                          passthrough_hp with -o io_uring (needs the fuse module parameter enable_uring=Y; the
#                          systems without the suffix then run on /dev/fuse: ours with FUSE_TRANSPORT=device)
#               kovl       the kernel's own overlayfs with the backing dir as its upper layer: no server at all,
#                          the same stacked read/write path (backing_file_*_iter) FUSE passthrough uses, so its
#                          row is the floor a passthrough mount can reach on this kernel
#               ours-ovl   this project's overlay backend (./run with an overlay mount instead of the default
#                          one): an empty lower layer under the backing dir as upper layer, as kovl; its default
#                          cache timeouts (long: layers must not change behind an overlay)
#               ours-ovl-t1  the same with entry/attr/negative timeouts of 1 s: like for like with fovl-t1
#               fovl       fuse-overlayfs (Debian package fuse-overlayfs) on the same layers, its defaults
#               fovl-t1    fuse-overlayfs -o timeout=1
#   -L DIR    libfuse source tree (or env LIBFUSE_SRC); passthrough_hp is built from it out of this repository
#             with bench/build-passthrough-hp.sh (a no-op when already built)
#   -P BIN    a ready passthrough_hp binary (or env PASSTHROUGH_HP); wins over -L
#   -m NAME='CMD'  an extra system: CMD runs under `bash -c` with SRC (empty backing dir) and MNT (mountpoint)
#             exported, in its own process group; it must mount MNT (foreground preferred)
#   -R DIR    project checkout whose ./run is benchmarked (default: the checkout holding this script)
#   -W LIST   workload groups (default seq,rand,meta,tree,startup; also: dio = O_DIRECT extras)
#   -t SEC    runtime of each time-based job: random I/O and the warm sequential rows (default 5)
#   -n N      files for create/stat/readdir/unlink (default 10000)
#   -T N      files in the synthetic tarball for tar -x / find+stat / rm -rf (default 5000)
#   -A TAR    extract this tarball instead of the synthetic one
#   -U N      extra start-up measurements of the container: 1 cold + N-1 warm restarts (default 3, 0 = none);
#             a "first" start after the build (which records the JVM's AOT cache) always comes before them
#   -d DIR    where the fresh work dir is created (default /tmp); native runs there too, so keep it on the
#             same filesystem as the backing dirs (it is: they all live in the work dir)
#   -o DIR    results dir (default bench/results/<timestamp>)
#   -x SEC    timeout of every single step (default 300); a FUSE target that overruns is aborted via fusectl
#   -w SEC    how long a launched system may take to answer stat on its mountpoint (default 120)
#   -k        keep the work dir afterwards
#   -h        this help
#
# Output in the results dir: results.txt (text tables), results.md, chart.png, env.txt, command.txt, raw.tsv,
# startup.tsv, memory-*.tsv, jvm-*.tsv, windows.tsv, logs/ (with gc-*.log). Exit: 0 ok, 1 a workload failed or
# a system could not be measured, 2 setup failure. Needs root (mounting, drop_caches); install tools with
# bench/setup.sh.

set -u
export LC_ALL=C
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
MAIN_PID=$BASHPID
COMMAND_LINE="cd $(printf '%q' "$PWD") && $(printf '%q ' "$0" "$@")"

SIZE=1G REPS=3 WARMUPS=1 RT=5 NFILES=10000 NTREE=5000 ARCHIVE= GROUPS_=seq,rand,meta,tree,startup
SYSTEMS_ARG= LIBFUSE=${LIBFUSE_SRC:-} HPBIN=${PASSTHROUGH_HP:-} WORKPARENT=/tmp OUTDIR= KEEP=0
STEP_TIMEOUT=300 MOUNT_TIMEOUT=120 STARTUPS=3
declare -a EXTRA_NAMES=() EXTRA_CMDS=()

usage() { sed -n '2,/^# bench\/setup.sh\.$/p' "$0" | sed 's/^# \{0,1\}//'; }
die() { echo "bench: SETUP FAILURE: $*" >&2; exit 2; }
log() { echo "[$(date +%T)] $*" >&2; }
posint() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }

while getopts "s:r:u:S:L:P:m:R:W:t:n:T:A:U:d:o:x:w:kh" opt; do
	case $opt in
	s) SIZE=$OPTARG ;;
	r) REPS=$OPTARG ;;
	u) WARMUPS=$OPTARG ;;
	S) SYSTEMS_ARG=$OPTARG ;;
	L) LIBFUSE=$OPTARG ;;
	P) HPBIN=$OPTARG ;;
	m)
		[[ $OPTARG == *=* ]] || die "-m needs NAME='CMD'"
		EXTRA_NAMES+=("${OPTARG%%=*}"); EXTRA_CMDS+=("${OPTARG#*=}") ;;
	R) REPO=$(cd "$OPTARG" && pwd) || die "no such checkout: $OPTARG" ;;
	W) GROUPS_=$OPTARG ;;
	t) RT=$OPTARG ;;
	n) NFILES=$OPTARG ;;
	T) NTREE=$OPTARG ;;
	A) ARCHIVE=$(realpath "$OPTARG") || die "no such tarball: $OPTARG" ;;
	U) STARTUPS=$OPTARG ;;
	d) WORKPARENT=$OPTARG ;;
	o) OUTDIR=$OPTARG ;;
	x) STEP_TIMEOUT=$OPTARG ;;
	w) MOUNT_TIMEOUT=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
(($# == 0)) || die "unexpected arguments: $* (see -h)"
for v in r:REPS t:RT n:NFILES T:NTREE x:STEP_TIMEOUT w:MOUNT_TIMEOUT; do var=${v#*:}; posint "${!var}" || die "-${v%%:*}: '${!var}' is not a positive integer"; done
[[ $STARTUPS =~ ^[0-9]+$ ]] || die "-U: '$STARTUPS' is not a number"
[[ $WARMUPS =~ ^[0-9]+$ ]] || die "-u: '$WARMUPS' is not a number"
SIZE_BYTES=$(numfmt --from=iec "$SIZE" 2>/dev/null) || die "-s: bad size '$SIZE' (e.g. 1G, 256M)"
((REPS >= 3)) || log "NOTE: $REPS repetition(s): fine for a smoke test, use -r 3 or more for figures to quote"
[[ $(id -u) == 0 ]] || die "must run as root (mount, drop_caches)"
for t in fio python3 tar find xargs stat setsid numfmt awk; do command -v $t >/dev/null || die "missing tool '$t': run bench/setup.sh"; done
[[ -w /proc/sys/vm/drop_caches ]] || die "/proc/sys/vm/drop_caches is not writable"
want() { [[ ,$GROUPS_, == *,$1,* ]]; }
HELPER=$HERE/lib/helper.py
py() { python3 "$HELPER" "$@"; }

# ------------------------------------------------------------ systems -------
if [[ -n $HPBIN ]]; then
	HPBIN=$(realpath "$HPBIN") && [[ -x $HPBIN ]] || die "passthrough_hp '$HPBIN' is not executable"
elif [[ -n $LIBFUSE ]]; then
	log "building passthrough_hp from $LIBFUSE"
	HPBIN=$("$HERE/build-passthrough-hp.sh" "$LIBFUSE") || die "could not build passthrough_hp from $LIBFUSE"
fi
if [[ -n $SYSTEMS_ARG ]]; then
	IFS=, read -r -a SYSTEMS <<<"$SYSTEMS_ARG"
else
	SYSTEMS=(ours ours-nopt)
	# ours-wb is hp-nopt's configuration (passthrough off, writeback cache): the Java-served like for like.
	[[ -n $HPBIN ]] && SYSTEMS+=(ours-wb hp hp-nopt)
fi
SYSTEMS+=("${EXTRA_NAMES[@]}")
# run_ours ENV: ./run in the foreground with ENV before it. stdin stays open (Gogo would stop the framework at EOF);
# FUSE_HOME keeps load/ and runtime/ out of the repo. The JVM logs every collection (time in epoch ms) to $GCLOG:
# the report's GC table comes from it (./run keeps -Xlog options out of its AOT cache's key, so the log does not
# change what is measured).
# ours-metrics: where /metrics is served, and how often the run scrapes it (seconds).
METRICS_PORT=${METRICS_PORT:-19091}
METRICS_EVERY=${METRICS_EVERY:-1}
run_ours() {
	echo "cd $(q "$REPO") && FUSE_MOUNTPOINT=\"\$MNT\" FUSE_HOME=\"\$FHOME\" ${1}FUSE_NO_BUILD=1 FUSE_JAVA_OPTS=\"\${FUSE_JAVA_OPTS:-} -Xlog:gc:file=\$GCLOG:timemillis\" exec ./run < <(exec sleep 1000000)"
}
declare -A CMD=() SEEN=()
tmp=(); for s in "${SYSTEMS[@]}"; do [[ -z $s || $s == native || -n ${SEEN[$s]:-} ]] || { tmp+=("$s"); SEEN[$s]=1; }; done
SYSTEMS=("${tmp[@]}")
for i in "${!EXTRA_NAMES[@]}"; do CMD[${EXTRA_NAMES[$i]}]=${EXTRA_CMDS[$i]}; done
q() { printf '%q' "$1"; }
for s in "${SYSTEMS[@]}"; do
	[[ $s =~ ^[A-Za-z0-9_.-]+$ ]] || die "bad system name '$s'"
	[[ -n ${CMD[$s]:-} ]] && continue
	base=${s%-uring}
	case $base in
	ours | ours-nopt | ours-wb | ours-t86400 | ours-watch | ours-timeout | ours-metrics)
		[[ -x $REPO/run ]] || die "$REPO/run not found (-R)"
		pt=true; [[ $base == ours-nopt || $base == ours-wb ]] && pt=false
		extra_env=; [[ $base == ours-t86400 ]] && extra_env="FUSE_TIMEOUT=86400 "
		[[ $base == ours-wb ]] && extra_env="FUSE_WRITEBACK_CACHE=true "
		[[ $base == ours-watch || $base == ours-timeout ]] && extra_env="FUSE_COHERENCE=${base#ours-} "
		# The transport is explicit (./run's default, auto, would pick io_uring wherever enable_uring is on).
		if [[ $s == *-uring ]]; then extra_env+="FUSE_TRANSPORT=uring "; else extra_env+="FUSE_TRANSPORT=device "; fi
		scraper=
		if [[ $base == ours-metrics ]]; then
			# In the server's process group, so it stops with it; a failed scrape (not up yet) is retried.
			extra_env+="FUSE_HTTP=127.0.0.1:$METRICS_PORT "
			scraper="(while sleep $METRICS_EVERY; do curl -sf -o /dev/null http://127.0.0.1:$METRICS_PORT/metrics && echo >>\"\$GCLOG.scrapes\"; done) & "
		fi
		CMD[$s]="$scraper$(run_ours "FUSE_SOURCE=\"\$SRC\" FUSE_PASSTHROUGH=$pt ${extra_env}")" ;;
	ours-ovl | ours-ovl-t1)
		[[ -x $REPO/run ]] || die "$REPO/run not found (-R)"
		transport=device; [[ $s == *-uring ]] && transport=uring
		timeouts=; [[ $base == ours-ovl-t1 ]] && timeouts='entry_timeout=1\nattr_timeout=1\nnegative_timeout=1\n'
		# ./run keeps a default mount file it finds: this one, written first, makes the default mount an overlay
		CMD[$s]="mkdir -p \"\$SRC.lower\" \"\$SRC.work\" \"\$FHOME/load\" && printf 'mountpoint=%s\\nbackend=overlay\\nlowerdir=%s\\nupperdir=%s\\nworkdir=%s\\ntransport=$transport\\n$timeouts' \"\$MNT\" \"\$SRC.lower\" \"\$SRC\" \"\$SRC.work\" >\"\$FHOME/load/fuse.mount-default.cfg\" && $(run_ours "FUSE_SOURCE=\"\$FHOME/source\" ")" ;;
	fovl | fovl-t1)
		command -v fuse-overlayfs >/dev/null || die "system $s needs fuse-overlayfs: run bench/setup.sh"
		fovl_opts=; [[ $s == fovl-t1 ]] && fovl_opts=",timeout=1"
		CMD[$s]='mkdir -p "$SRC.lower" "$SRC.work" && exec fuse-overlayfs -f -o "lowerdir=$SRC.lower,upperdir=$SRC,workdir=$SRC.work'"$fovl_opts"'" "$MNT"' ;;
	hp | hp-nopt) [[ -n $HPBIN ]] || die "system $s needs passthrough_hp: -L LIBFUSE_SRC_DIR or -P BINARY"
		hp_opts=; [[ $base == hp-nopt ]] && hp_opts+=" --nopassthrough"
		[[ $s == *-uring ]] && hp_opts+=" -o io_uring"
		CMD[$s]="exec $(q "$HPBIN") --foreground$hp_opts \"\$SRC\" \"\$MNT\"" ;;
	kovl) # stays in the foreground (sleep) so that stop() handles it like any server; the layers live beside SRC
		CMD[$s]='mkdir -p "$SRC.lower" "$SRC.work" && mount -t overlay overlay -o "lowerdir=$SRC.lower,upperdir=$SRC,workdir=$SRC.work" "$MNT" && exec sleep 1000000' ;;
	*) die "unknown system '$s' (ours, ours-nopt, ours-wb, ours-t86400, ours-watch, ours-timeout, ours-metrics, ours-ovl, ours-ovl-t1, hp, hp-nopt, each with -uring, kovl, fovl, fovl-t1, or define it with -m $s='CMD')" ;;
	esac
	if [[ $s == *-uring && $(cat /sys/module/fuse/parameters/enable_uring 2>/dev/null) != Y ]]; then
		die "system $s needs FUSE over io_uring: echo Y > /sys/module/fuse/parameters/enable_uring"
	fi
done
((${#SYSTEMS[@]})) || die "no system to compare with native"
uses_ours() { local s; for s in "${SYSTEMS[@]}"; do [[ $s == ours* ]] && return 0; done; return 1; }

# ------------------------------------------------------------ dirs ----------
[[ -d $WORKPARENT ]] || die "-d $WORKPARENT is not a directory"
WORK=$(mktemp -d "$(realpath "$WORKPARENT")/fuse-bench.XXXXXX") || die "cannot create a work dir in $WORKPARENT"
[[ $WORK =~ ^[A-Za-z0-9_./-]+$ ]] || { rmdir "$WORK"; die "work dir path '$WORK' has characters mountinfo would escape"; }
[[ -n $OUTDIR ]] || OUTDIR=$HERE/results/$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUTDIR/logs" || die "cannot create $OUTDIR"
OUTDIR=$(realpath "$OUTDIR")
RAW=$OUTDIR/raw.tsv
: >"$RAW"; : >"$OUTDIR/windows.tsv"; : >"$OUTDIR/startup.tsv"; : >"$OUTDIR/stop.tsv"; : >"$OUTDIR/skipped.tsv"
echo "$COMMAND_LINE" >"$OUTDIR/command.txt"
need=$(((${#SYSTEMS[@]} + 1) * SIZE_BYTES * 2 + 2 * 1024 * 1024 * 1024))
avail=$(($(stat -f -c '%a*%S' "$WORK")))
((avail > need)) || die "$WORK has $(numfmt --to=iec $avail) free, needs about $(numfmt --to=iec $need)"

# ------------------------------------------------------------ mounts --------
declare -A MNTPT=() PGID=() DPIDS=() ISJVM=() DEAD=() LAUNCHED_AT=()
declare -a INSTANCES=() SAMPLERS=()
CONN_DIR=/sys/fs/fuse/connections
REPORTED=0

# mountinfo only (never stat a FUSE mountpoint to ask whether it is mounted: a stuck server would hang us)
fstype_at() { awk -v m="$1" '$5 == m { for (i = 7; $i != "-"; i++); t = $(i + 1) } END { print t }' /proc/self/mountinfo; }
# a system's mount: FUSE, or the kernel overlayfs of the kovl reference (no connection to abort there)
is_fuse() { local t; t=$(fstype_at "$1"); [[ $t == fuse* || $t == overlay ]]; }
conn_of() { awk -v m="$1" '$5 == m { split($3, a, ":"); c = a[1] * 1048576 + a[2] } END { print c }' /proc/self/mountinfo; }
abort_conn() {
	local c
	[[ -d $CONN_DIR ]] && ! mountpoint -q "$CONN_DIR" && mount -t fusectl none "$CONN_DIR" 2>/dev/null
	c=$(conn_of "$1")
	[[ -n $c && -w $CONN_DIR/$c/abort ]] && echo 1 >"$CONN_DIR/$c/abort" 2>/dev/null && log "aborted FUSE connection $c ($1)"
}
daemon_pids() { # mountpoint [process group] -> pids holding /dev/fuse for that connection
	local c f pid found
	c=$(conn_of "$1"); [[ -n $c ]] || return 0
	if [[ -n ${2:-} ]]; then # the launched group first: scanning every process's fds is slow on a busy machine
		found=$(for pid in $(pgrep -g "$2"); do
			for f in /proc/$pid/fd/*; do
				[[ $(readlink "$f" 2>/dev/null) == /dev/fuse ]] &&
					grep -qs "^fuse_connection:[[:space:]]*$c\$" "/proc/$pid/fdinfo/${f##*/}" && { echo "$pid"; break; }
			done
		done | sort -u | tr '\n' ' ')
		[[ -n $found ]] && { echo "$found"; return 0; }
	fi
	for f in /proc/[0-9]*/fd/*; do
		[[ $(readlink "$f" 2>/dev/null) == /dev/fuse ]] || continue
		pid=${f#/proc/}; pid=${pid%%/*}
		grep -qs "^fuse_connection:[[:space:]]*$c\$" "/proc/$pid/fdinfo/${f##*/}" && echo "$pid"
	done | sort -u | tr '\n' ' '
}
group_alive() { kill -0 -- "-$1" 2>/dev/null; }
rss_hwm() { # pid -> "rss_kb<TAB>hwm_kb" without forking (the sampler runs during measurements)
	local k v u rss=- hwm=-
	while read -r k v u; do case $k in VmRSS:) rss=$v ;; VmHWM:) hwm=$v ;; esac; done <"/proc/$1/status" 2>/dev/null
	printf '%s\t%s' "$rss" "$hwm"
}
now() { echo "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

# launch ID SYSTEM BASE -> 0 when the mount answers stat within MOUNT_TIMEOUT; sets STARTUP_S, reason in LAUNCH_ERR
launch() {
	local id=$1 sys=$2 base=$3 t0 pid deadline ok=0
	mkdir -p "$base/src" "$base/mnt" "$base/home" || { LAUNCH_ERR="mkdir $base"; return 1; }
	is_fuse "$base/mnt" && { LAUNCH_ERR="$base/mnt is already a FUSE mount"; return 1; }
	MNTPT[$id]=$base/mnt
	INSTANCES+=("$id")
	log "starting $id: ${CMD[$sys]}"
	t0=$(now)
	SRC=$base/src MNT=$base/mnt FHOME=$base/home GCLOG=$OUTDIR/logs/gc-$id.log setsid bash -c "${CMD[$sys]}" </dev/null >>"$OUTDIR/logs/$id.log" 2>&1 &
	pid=$!
	PGID[$id]=$pid
	LAUNCHED_AT[$id]=$t0
	deadline=$(awk -v a="$t0" -v s="$MOUNT_TIMEOUT" 'BEGIN { printf "%d", a + s }')
	while ((EPOCHSECONDS <= deadline)); do
		if is_fuse "$base/mnt" && timeout -k 1 5 stat -- "$base/mnt" >/dev/null 2>&1; then ok=1; break; fi
		if ! kill -0 "$pid" 2>/dev/null && ! group_alive "$pid"; then # (the group exists once setsid has run)
			sleep 0.3; is_fuse "$base/mnt" && continue # a daemonizing command left its server behind
			LAUNCH_ERR="command exited before mounting: $(tail -3 "$OUTDIR/logs/$id.log" | tr '\n' ' ')"; return 1
		fi
		sleep 0.02
	done
	((ok)) || { LAUNCH_ERR="no FUSE mount answering stat at $base/mnt after ${MOUNT_TIMEOUT}s (see logs/$id.log)"; return 1; }
	STARTUP_S=$(elapsed "$t0" "$(now)")
	DPIDS[$id]=$(daemon_pids "$base/mnt" "$pid")
	ISJVM[$id]=0
	for p in ${DPIDS[$id]}; do [[ $(readlink "/proc/$p/exe") == */java ]] && ISJVM[$id]=$p; done
	log "$id ready in ${STARTUP_S}s, server pid(s): ${DPIDS[$id]:-unknown}"
	return 0
}

servers_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

# stop ID [SYSTEM KIND] -> unmounts cleanly when it can, by force when it must. STOP_S = seconds until the server
# is gone; with SYSTEM and KIND the stop is recorded in stop.tsv (clean = the server unmounted and exited by itself)
stop() {
	local id=$1 m=${MNTPT[$1]} pg=${PGID[$1]:-} t0 i p outcome=clean
	t0=$(now)
	if is_fuse "$m"; then
		if [[ ${ISJVM[$id]:-0} != 0 ]]; then
			kill -TERM ${DPIDS[$id]} 2>/dev/null # the container unmounts its mounts on SIGTERM
			for i in $(seq 200); do is_fuse "$m" && servers_alive ${DPIDS[$id]} || break; sleep 0.1; done
		else
			timeout -k 1 10 umount "$m" 2>/dev/null
		fi
		if is_fuse "$m"; then
			if servers_alive ${DPIDS[$id]:-}; then outcome="still mounted after 20s"
			else outcome="server exited, mount left behind"; fi
			log "$id: $outcome: aborting the connection of $m"
			abort_conn "$m"; umount -l "$m" 2>/dev/null
		fi
	else
		outcome="not mounted"
	fi
	for p in ${DPIDS[$id]:-}; do
		for i in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	done
	servers_alive ${DPIDS[$id]:-} && outcome="$outcome; server did not exit"
	STOP_S=$(elapsed "$t0" "$(now)")
	[[ -n ${2:-} ]] && printf '%s\t%s\t%s\t%s\n' "$2" "$3" "$STOP_S" "$outcome" >>"$OUTDIR/stop.tsv"
	if [[ -n $pg ]]; then # what is left of the group: the launcher's helpers, or a server that ignored us
		if group_alive "$pg"; then
			kill -TERM -- "-$pg" 2>/dev/null
			for i in $(seq 20); do group_alive "$pg" || break; sleep 0.1; done
			group_alive "$pg" && { log "$id: killing process group $pg"; kill -KILL -- "-$pg" 2>/dev/null; }
		fi
		wait "$pg" 2>/dev/null
	fi
	PGID[$id]=
}

declare -a TARGETS=(native) LOADS=()
L0=$(cut -d' ' -f1 /proc/loadavg)
report() { # tables + chart from what was measured so far
	local names chartpy p
	names=$(IFS=,; echo "${SYSTEMS[*]}")
	printf '%s\n' "${LOADS[@]}" | sort -g | awk -v l0="$L0" '{ a[NR] = $1 } END { if (NR) printf "loadavg(1m): before %s, during min %s median %s max %s\n", l0, a[1], a[int((NR + 1) / 2)], a[NR] }' >>"$OUTDIR/env.txt"
	python3 "$HERE/lib/report.py" "$OUTDIR" "$names" || return 1
	chartpy=
	for p in /usr/bin/python3 python3; do "$p" -c 'import matplotlib' 2>/dev/null && { chartpy=$p; break; }; done
	if [[ -n $chartpy ]]; then "$chartpy" "$HERE/lib/report.py" "$OUTDIR" "$names" --chart || log "chart failed"
	else log "no python3 with matplotlib: no chart (bench/setup.sh installs python3-matplotlib)"; fi
	REPORTED=1
}

cleanup() {
	local rc=$? id p
	# A subshell forked by us still runs our traps until it resets them; one signalled in that window (bounded
	# kills its watchdog at once after a quick command) must not tear the whole run down.
	[[ $BASHPID == "$MAIN_PID" ]] || exit "$rc"
	trap - EXIT INT TERM
	for p in "${SAMPLERS[@]}"; do kill "$p" 2>/dev/null; done
	for id in "${INSTANCES[@]}"; do [[ -n ${PGID[$id]:-} ]] && stop "$id"; done
	for id in "${INSTANCES[@]}"; do is_fuse "${MNTPT[$id]}" && { abort_conn "${MNTPT[$id]}"; umount -l "${MNTPT[$id]}"; }; done
	if ((REPORTED == 0)) && [[ -s $RAW ]]; then
		log "writing the partial report"
		report || true
	fi
	if ((KEEP)); then log "work dir kept: $WORK"
	elif awk -v w="$WORK/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
		log "something is still mounted under $WORK: not deleting it"
	else rm -rf "$WORK"; fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# bounded TARGET SECS CMD... : runs CMD with a watchdog. On overrun the command is killed and, because a
# process stuck on a FUSE request may not die, the target's connection is aborted (which frees it); the target
# is then marked dead through a file, since bounded often runs in a command substitution's subshell.
bounded() {
	local t=$1 s=$2 p w rc tok; shift 2
	tok=$WORK/.overran.$BASHPID.$RANDOM
	"$@" &
	p=$!
	(
		sleep "$s" & sp=$!
		trap 'kill $sp 2>/dev/null; exit 0' TERM
		wait $sp
		: >"$tok"
		# abort first: every process blocked on the mount then fails at once and can be killed
		if [[ $t != native ]]; then
			echo "timed out after ${s}s: $*" >"$WORK/.dead.$t"
			abort_conn "${MNTPT[$t]}"
		fi
		kill -TERM $(pgrep -P $p) $p 2>/dev/null; sleep 2
		kill -KILL $(pgrep -P $p) $p 2>/dev/null
	) >/dev/null 2>&1 &
	w=$!
	wait $p; rc=$?
	kill $w 2>/dev/null; wait $w 2>/dev/null
	if [[ -e $tok ]]; then
		rm -f "$tok"
		log "$t: step overran ${s}s: $*"
		return 124
	fi
	return $rc
}

# ------------------------------------------------------------ env -----------
# DAMON's proactive reclaim (a running kdamond with a pageout scheme) evicts the page cache behind the workloads'
# back, the JDK's and the test files' pages too: a run on such a machine says so, since its cold rows and start-up
# times swing with it.
damon_schemes() {
	local k s on=
	for k in /sys/kernel/mm/damon/admin/kdamonds/[0-9]*; do
		[[ $(cat "$k/state" 2>/dev/null) == on ]] || continue
		for s in "$k"/contexts/*/schemes/[0-9]*; do on+=" $(cat "$s/action" 2>/dev/null)"; done
	done
	[[ -n $on ]] && echo "damon: running, scheme actions:$on (pageout = proactive reclaim of the page cache)"
	return 0
}
# ext4 without a journal skips, for every new inode, the free ones of its group deleted in the last minute (six
# while their inode table block is unwritten): a create right after another system's mass unlink pays for them.
unjournaled_ext4_note() {
	local fstype src
	read -r fstype src < <(findmnt -n -o FSTYPE,SOURCE --target "$WORK")
	[[ $fstype == ext4 ]] || return 0
	compgen -G "/proc/fs/jbd2/$(basename "$(readlink -f "$src")")-*" >/dev/null && return 0
	echo "   (ext4 without a journal: create and tar -x rows include its skipping of recently deleted inodes, which depends on what the system before deleted; see bench/README.md)"
}
JDK=$( (source "$REPO/build/jdk25.sh" >/dev/null 2>&1 && echo "$JAVA_HOME") 2>/dev/null) || JDK=
{
	echo "# fuse bench $(date -Is) on $(hostname)"
	echo "command: $COMMAND_LINE"
	echo "kernel: $(uname -r)"
	echo "cpu: $(lscpu 2>/dev/null | awk -F': +' '/^Model name/ {print $2; exit}') x $(nproc)   mem: $(free -g | awk '/Mem:/ {print $2}') GiB"
	echo "disk: $(findmnt -n -o FSTYPE,SOURCE --target "$WORK" | tr -s " ")   work dir: $WORK$(unjournaled_ext4_note)"
	damon_schemes
	echo "fio: $(fio --version)   python: $(python3 -V 2>&1)"
	if uses_ours; then
		echo "project: $REPO at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null)$(git -C "$REPO" diff --quiet HEAD 2>/dev/null || echo '+uncommitted') ($(git -C "$REPO" log -1 --format=%s 2>/dev/null))"
		echo "jdk: ${JDK:-none found}: $([[ -n $JDK ]] && "$JDK/bin/java" -version 2>&1 | sed -n 2p)   FUSE_JAVA_OPTS=${FUSE_JAVA_OPTS:-}"
	fi
	[[ -n $HPBIN ]] && echo "passthrough_hp: $HPBIN ($(cat "$(dirname "$HPBIN")/../bench-build-info.txt" 2>/dev/null || echo 'origin unknown'))"
	echo "size=$SIZE reps=$REPS warmups=$WARMUPS randruntime=${RT}s nfiles=$NFILES tree=${ARCHIVE:-synthetic $NTREE files} groups=$GROUPS_ step-timeout=${STEP_TIMEOUT}s"
	for s in "${SYSTEMS[@]}"; do echo "system $s: ${CMD[$s]}"; done
} >"$OUTDIR/env.txt"
cat "$OUTDIR/env.txt" >&2

if uses_ours; then
	[[ -n $JDK ]] || die "no JDK 25 for ./run (see $REPO/build/jdk25.sh)"
	jar=$REPO/fuse.dist/target/fuse.jar
	# ./run's staleness rule, applied here: the launches run with FUSE_NO_BUILD, since a build inside a timed
	# launch would be measured as start-up
	if [[ ! -f $jar || -n $(cd "$REPO" && find . -path ./runtime -prune -o \( -name '*.java' -o -name 'pom.xml' -o -name '*.bnd' -o -name '*.bndrun' \) -newer "$jar" -print -quit) ]]; then
		log "building the container first (mvn package -DskipTests)"
		(cd "$REPO" && export JAVA_HOME=$JDK PATH=$JDK/bin:$PATH &&
			timeout 1200 mvn -B -q -o package -DskipTests >"$OUTDIR/logs/build.log" 2>&1) ||
			die "building the container failed, see $OUTDIR/logs/build.log"
		# As ./run does: bnd dates the jar by its newest entry, which can be older than the edit that made us
		# build, and a jar that looks stale would be rebuilt (and its AOT cache recorded again) by every run.
		touch "$jar"
	fi
	# An older checkout's ./run may lack a variant's switch: that system is skipped, with the reason recorded.
	skip_unless_run_has() { # VARIABLE SYSTEM REASON
		grep -q "$1" "$REPO/run" && return 0
		local s tmp=()
		for s in "${SYSTEMS[@]}"; do
			if [[ $s == "$2" ]]; then printf '%s\t%s\n' "$2" "this ./run cannot $3 (no $1)" >>"$OUTDIR/skipped.tsv"; else tmp+=("$s"); fi
		done
		SYSTEMS=("${tmp[@]}")
	}
	skip_unless_run_has FUSE_PASSTHROUGH ours-nopt "turn passthrough off"
	skip_unless_run_has FUSE_WRITEBACK_CACHE ours-wb "turn the writeback cache on"
	skip_unless_run_has FUSE_TIMEOUT ours-t86400 "set the timeouts"
	skip_unless_run_has FUSE_COHERENCE ours-watch "choose the coherence"
	skip_unless_run_has FUSE_COHERENCE ours-timeout "choose the coherence"
	for s in "${SYSTEMS[@]}"; do
		[[ $s == ours*-uring ]] && skip_unless_run_has FUSE_TRANSPORT "$s" "choose io_uring"
	done
fi

# await_aot_assembly: until no JVM assembles an AOT cache (./run's background job after a recording start),
# bounded: an assembly that hangs is the container's problem, not a reason to stop the benchmark.
await_aot_assembly() {
	local i
	for i in $(seq 120); do pgrep -f -- '-XX:AOTMode=create' >/dev/null || return 0; sleep 1; done
	log "an AOT cache assembly still runs after 120 s; measuring anyway"
}

# ------------------------------------------------------------ start-up ------
# The first start after a build records ./run's AOT cache, which a background job assembles after that JVM has
# exited. One launch does that here, measured on its own ("first") and waited for, so that the recording inflates
# neither the cold and warm start-ups nor the workloads (a recording JVM would serve them all).
if uses_ours; then
	for first in "${SYSTEMS[@]}"; do [[ $first == ours* ]] && break; done # all ours* share one JVM command line
	if launch startup-first "$first" "$WORK/startup-first"; then
		ready=$STARTUP_S; mem=$(rss_hwm "${ISJVM[startup-first]}")
		stop startup-first "$first" first
		want startup && printf '%s\tfirst\t%s\t%s\n' "$first" "$ready" "${mem%%$'\t'*}" >>"$OUTDIR/startup.tsv"
		log "first start after the build: ${ready}s to a mount answering stat; waiting for its AOT cache"
		await_aot_assembly
	else
		log "first launch failed: $LAUNCH_ERR"
		stop startup-first
	fi
fi

if want startup && ((STARTUPS > 0)) && [[ " ${SYSTEMS[*]} " == *" ours "* ]]; then
	log "start-up: 1 cold launch + $((STARTUPS - 1)) warm restart(s) of the container"
	for ((i = 1; i <= STARTUPS; i++)); do
		kind=warm; ((i == 1)) && kind=cold
		id=startup-$i
		if launch "$id" ours "$WORK/startup"; then
			ready=$STARTUP_S
			mem=$(rss_hwm "${ISJVM[$id]}")
			stop "$id" ours "$kind"
			printf 'ours\t%s\t%s\t%s\n' "$kind" "$ready" "${mem%%$'\t'*}" >>"$OUTDIR/startup.tsv"
			log "start-up $kind: ${ready}s to a mount answering stat, RSS ${mem%%$'\t'*} KiB, stopped in ${STOP_S}s"
		else
			log "start-up launch $i failed: $LAUNCH_ERR"
			stop "$id"
			printf 'ours\t%s\tFAIL\t-\n' "$kind" >>"$OUTDIR/startup.tsv"
			break
		fi
	done
fi

# ------------------------------------------------------------ targets -------
declare -A TDIR=()
for s in "${SYSTEMS[@]}"; do
	if launch "$s" "$s" "$WORK/$s"; then
		rss=-; [[ ${ISJVM[$s]} != 0 ]] && rss=$(rss_hwm "${ISJVM[$s]}" | cut -f1)
		printf '%s\tbench\t%s\t%s\n' "$s" "$STARTUP_S" "$rss" >>"$OUTDIR/startup.tsv"
		TDIR[$s]=${MNTPT[$s]}/run
		TARGETS+=("$s")
		if [[ ${ISJVM[$s]} != 0 ]]; then
			printf 'rss_ready_kb\t%s\n' "$(rss_hwm "${ISJVM[$s]}" | cut -f1)" >"$OUTDIR/jvm-$s.tsv"
			(while kill -0 "${ISJVM[$s]}" 2>/dev/null; do printf '%s\t%s\n' "$EPOCHSECONDS" "$(rss_hwm "${ISJVM[$s]}")"; sleep 1; done) \
				>"$OUTDIR/memory-$s.tsv" 2>/dev/null &
			SAMPLERS+=($!)
		fi
	else
		log "NOT MEASURED: $s: $LAUNCH_ERR"
		printf '%s\t%s\n' "$s" "$LAUNCH_ERR" >>"$OUTDIR/skipped.tsv"
		stop "$s"
	fi
done
((${#TARGETS[@]} > 1)) || die "no FUSE system could be mounted (see $OUTDIR/skipped.tsv and logs/)"
TDIR[native]=$WORK/native/run
for t in "${TARGETS[@]}"; do
	bounded "$t" 60 mkdir -p "${TDIR[$t]}" || { [[ $t == native ]] && die "cannot mkdir ${TDIR[$t]}"; echo "cannot mkdir ${TDIR[$t]}" >"$WORK/.dead.$t"; }
done

# ------------------------------------------------------------ workloads -----
FAILED=0
dropc() { # TARGET: sync can wait for a FUSE server, so it is bounded like a step of that target
	bounded "$1" "$STEP_TIMEOUT" bash -c 'sync && echo 3 >/proc/sys/vm/drop_caches'
}
cpu_of() { [[ $1 == native || -z ${DPIDS[$1]:-} ]] && { echo -; return; }; py cpu ${DPIDS[$1]}; }
record() { # target rep workload value unit cpu0
	local c1 d=-
	if [[ $6 != - ]]; then c1=$(cpu_of "$1"); d=$(awk -v a="$6" -v b="$c1" 'BEGIN { printf "%.2f", b - a }'); fi
	[[ $4 == FAIL ]] && FAILED=1
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$d" >>"$RAW"
	# when the workload ran (W0 is set where its CPU count starts): the report assigns JVM collections to it
	[[ -n ${W0:-} ]] && printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$W0" "$(now)" >>"$OUTDIR/windows.tsv"
	W0=
	printf '  %-10s rep %-3s %-24s %10s %-6s cpu=%s\n' "$1" "$2" "$3" "$4" "$5" "$d" >&2
}

# name | group | unit | preparation | file | fio arguments
FIOWL=(
	"seqread-1M-cold|seq|MiB/s|drop|rd|--rw=read --bs=1M --ioengine=psync --size=$SIZE"
	"seqread-1M-warm|seq|MiB/s|warm|rd|--rw=read --bs=1M --ioengine=psync --size=$SIZE --time_based --runtime=$RT"
	"seqwrite-1M-cold|seq|MiB/s|new|wr|--rw=write --bs=1M --ioengine=psync --end_fsync=1 --size=$SIZE"
	"seqwrite-1M-warm|seq|MiB/s|warm|rd|--rw=write --bs=1M --ioengine=psync --end_fsync=1 --size=$SIZE --time_based --runtime=$RT"
	"randread-4k-nj1|rand|IOPS|drop|rd|--rw=randread --bs=4k --ioengine=psync --numjobs=1 --size=$SIZE --time_based --runtime=$RT"
	"randread-4k-nj2|rand|IOPS|drop|rd|--rw=randread --bs=4k --ioengine=psync --numjobs=2 --size=$SIZE --time_based --runtime=$RT"
	"randwrite-4k-nj1|rand|IOPS|drop|rd|--rw=randwrite --bs=4k --ioengine=psync --end_fsync=1 --numjobs=1 --size=$SIZE --time_based --runtime=$RT"
	"randwrite-4k-nj2|rand|IOPS|drop|rd|--rw=randwrite --bs=4k --ioengine=psync --end_fsync=1 --numjobs=2 --size=$SIZE --time_based --runtime=$RT"
	"seqread-1M-dio-qd8|dio|MiB/s|-|rd|--rw=read --bs=1M --ioengine=libaio --direct=1 --iodepth=8 --size=$SIZE"
	"seqwrite-1M-dio-qd8|dio|MiB/s|new|wr|--rw=write --bs=1M --ioengine=libaio --direct=1 --iodepth=8 --size=$SIZE"
	"randread-4k-dio-qd16|dio|IOPS|-|rd|--rw=randread --bs=4k --ioengine=libaio --direct=1 --iodepth=16 --size=$SIZE --time_based --runtime=$RT"
	"randwrite-4k-dio-qd16|dio|IOPS|-|rd|--rw=randwrite --bs=4k --ioengine=libaio --direct=1 --iodepth=16 --size=$SIZE --time_based --runtime=$RT"
)

run_fio() { # target rep spec
	local t=$1 r=$2 d=${TDIR[$1]} name grp unit prep f args out c0 val
	IFS='|' read -r name grp unit prep f args <<<"$3"
	f=$d/$f.dat
	case $prep in
	new) bounded "$t" "$STEP_TIMEOUT" rm -f "$f"; dropc "$t" ;;
	drop) dropc "$t" ;;
	warm) bounded "$t" "$STEP_TIMEOUT" cat "$f" >/dev/null ;; # untimed: puts the file in the page cache
	esac
	c0=$(cpu_of "$t"); W0=$(now)
	# shellcheck disable=SC2086
	if out=$(bounded "$t" "$STEP_TIMEOUT" fio --name="$name" --filename="$f" --fallocate=none --invalidate=0 \
		--group_reporting --output-format=terse --terse-version=3 $args 2>"$OUTDIR/logs/fio.err") && [[ -n $out ]]; then
		val=$(awk -F';' -v u="$unit" -v rw="$args" 'END {
			if (rw ~ /rw=(rand)?write/) { bw = $48; io = $49 } else { bw = $7; io = $8 }
			if (u == "IOPS") printf "%.0f", io; else printf "%.1f", bw / 1024 }' <<<"$out")
	else
		val=FAIL; log "fio $name on $t failed: $(tail -2 "$OUTDIR/logs/fio.err" | tr '\n' ' ')"
	fi
	record "$t" "$r" "$name" "$val" "$unit" "$c0"
	[[ $prep == new ]] && bounded "$t" "$STEP_TIMEOUT" rm -f "$f"
}

timed() { # target rep workload cmd... : records the wall time of cmd
	local t=$1 r=$2 name=$3 c0 s e; shift 3
	c0=$(cpu_of "$t"); s=$(now); W0=$s
	if bounded "$t" "$STEP_TIMEOUT" "$@" >/dev/null 2>>"$OUTDIR/logs/cmd.err"; then
		e=$(now); record "$t" "$r" "$name" "$(elapsed "$s" "$e")" s "$c0"
	else record "$t" "$r" "$name" FAIL s "$c0"; fi
}
self_timed() { # target rep workload helper-args... : the helper prints its own seconds
	local t=$1 r=$2 name=$3 c0 v; shift 3
	c0=$(cpu_of "$t"); W0=$(now)
	v=$(bounded "$t" "$STEP_TIMEOUT" py "$@" 2>>"$OUTDIR/logs/cmd.err") && [[ -n $v ]] || v=FAIL
	record "$t" "$r" "$name" "$v" s "$c0"
}
statwalk() { find "$1" -type f -print0 | xargs -0 stat >/dev/null; }
untar() { tar -xf "$ARCHIVE" --no-same-owner -C "$1" && sync; }

run_meta() { # create -> stat -> readdir cold, warm -> unlink
	local t=$1 r=$2 d=${TDIR[$1]}/meta
	bounded "$t" "$STEP_TIMEOUT" rm -rf "$d"
	self_timed "$t" "$r" "create-${NFILES}" mkfiles "$d" "$NFILES" 1024
	self_timed "$t" "$r" "stat-${NFILES}" statfiles "$d" "$NFILES"
	dropc "$t"
	self_timed "$t" "$r" "readdir-${NFILES}-cold" readdir "$d" "$NFILES"
	self_timed "$t" "$r" "readdir-${NFILES}-warm" readdir "$d" "$NFILES"
	self_timed "$t" "$r" "unlink-${NFILES}" rmfiles "$d" "$NFILES"
}
run_tree() { # tar -x -> find+stat cold, warm -> rm -rf
	local t=$1 r=$2 d=${TDIR[$1]}/tree
	bounded "$t" "$STEP_TIMEOUT" rm -rf "$d"; bounded "$t" "$STEP_TIMEOUT" mkdir -p "$d"
	timed "$t" "$r" "tar-x+sync" untar "$d"
	dropc "$t"
	timed "$t" "$r" "find+stat-cold" statwalk "$d"
	timed "$t" "$r" "find+stat-warm" statwalk "$d"
	timed "$t" "$r" "find+stat-again" statwalk "$d"
	timed "$t" "$r" "rm-rf-tree" rm -rf "$d"
}
skip_dead() { # target rep step: records FAIL rows for a target that no longer answers
	local t=$1 r=$2 spec=$3 name
	case ${spec%%|*} in
	run_fio) IFS='|' read -r name _ unit _ <<<"${spec#*|}"; record "$t" "$r" "$name" FAIL "$unit" - ;;
	run_meta) for name in create-$NFILES stat-$NFILES readdir-$NFILES-cold readdir-$NFILES-warm unlink-$NFILES; do record "$t" "$r" "$name" FAIL s -; done ;;
	run_tree) for name in tar-x+sync find+stat-cold find+stat-warm find+stat-again rm-rf-tree; do record "$t" "$r" "$name" FAIL s -; done ;;
	esac
}

# ------------------------------------------------------------ preparation ---
if want tree && [[ -z $ARCHIVE ]]; then
	ARCHIVE=$WORK/tree.tar
	log "building the synthetic tarball ($NTREE files)"
	py mktree "$WORK/.tree/src" "$NTREE" && tar -cf "$ARCHIVE" -C "$WORK/.tree" src && rm -rf "$WORK/.tree" ||
		die "cannot build the tarball"
fi
if want seq || want rand || want dio; then
	for t in "${TARGETS[@]}"; do
		log "laying out the $SIZE file on $t"
		bounded "$t" "$STEP_TIMEOUT" fio --name=layout --filename="${TDIR[$t]}/rd.dat" --rw=write --bs=1M --size="$SIZE" \
			--end_fsync=1 --fallocate=none --output-format=terse >/dev/null 2>"$OUTDIR/logs/fio.err" ||
			{ [[ $t == native ]] && die "cannot create the test file on native"; echo "cannot create the test file" >"$WORK/.dead.$t"; }
	done
fi

# ------------------------------------------------------------ measurement ---
STEPS=()
for spec in "${FIOWL[@]}"; do IFS='|' read -r _ grp _ <<<"$spec"; want "$grp" && STEPS+=("run_fio|$spec"); done
want meta && STEPS+=("run_meta|")
want tree && STEPS+=("run_tree|")
awk -v l="$L0" 'BEGIN { exit !(l > 0.7) }' && log "WARNING: machine not idle (loadavg $L0): other activity adds noise"
T0=$(now)
NT=${#TARGETS[@]}
# warm-up repetitions are labelled w1, w2, ...: the report keeps them out of the medians
REPLABELS=(); for ((r = 1; r <= WARMUPS; r++)); do REPLABELS+=("w$r"); done
for ((r = 1; r <= REPS; r++)); do REPLABELS+=("$r"); done
for ((ri = 0; ri < ${#REPLABELS[@]}; ri++)); do
	r=${REPLABELS[$ri]}
	if [[ $r == w* ]]; then log "warm-up repetition ${r#w}/$WARMUPS (reported apart)"; else log "repetition $r/$REPS"; fi
	for ((si = 0; si < ${#STEPS[@]}; si++)); do
		fn=${STEPS[$si]%%|*} arg=${STEPS[$si]#*|}
		# each step runs on every target back to back; who goes first rotates, and the direction flips every
		# repetition, so no system always follows the same one (on the shared disk a step pays for what the
		# previous system left behind, e.g. an ext4 without a journal skips recently deleted inodes at create)
		for ((k = 0; k < NT; k++)); do
			if ((ri % 2)); then t=${TARGETS[$(((NT - k + ri + si) % NT))]}; else t=${TARGETS[$(((k + ri + si) % NT))]}; fi
			for p in ${DPIDS[$t]:-}; do kill -0 "$p" 2>/dev/null || DEAD[$t]=${DEAD[$t]:-"server pid $p died"}; done
			[[ -e $WORK/.dead.$t && -z ${DEAD[$t]:-} ]] && DEAD[$t]=$(cat "$WORK/.dead.$t")
			if [[ -n ${DEAD[$t]:-} ]]; then skip_dead "$t" "$r" "${STEPS[$si]}"; continue; fi
			LOADS+=("$(cut -d' ' -f1 /proc/loadavg)")
			"$fn" "$t" "$r" "$arg"
		done
	done
done
log "measurement time: $(elapsed "$T0" "$(now)")s"
for t in "${!DEAD[@]}"; do printf '%s\t%s\n' "$t" "${DEAD[$t]} (rows after that are FAIL)" >>"$OUTDIR/skipped.tsv"; done

# ------------------------------------------------------------ JVM memory ----
for t in "${TARGETS[@]}"; do
	pid=${ISJVM[$t]:-0}
	[[ $pid != 0 ]] && kill -0 "$pid" 2>/dev/null || continue
	timeout 30 "$JDK/bin/jcmd" "$pid" GC.heap_info >"$OUTDIR/logs/heap_info-$t.txt" 2>&1
	IFS=$'\t' read -r hc hu < <(py heapinfo "$OUTDIR/logs/heap_info-$t.txt")
	{
		printf 'hwm_kb\t%s\n' "$(rss_hwm "$pid" | cut -f2)"
		printf 'heap_committed_kb\t%s\nheap_used_kb\t%s\n' "$hc" "$hu"
	} >>"$OUTDIR/jvm-$t.tsv"
done
for p in "${SAMPLERS[@]}"; do kill "$p" 2>/dev/null; done
SAMPLERS=()

# ------------------------------------------------------------ report --------
for t in "${TARGETS[@]:1}"; do [[ -n ${PGID[$t]:-} ]] && stop "$t" "$t" bench; done
for id in "${INSTANCES[@]}"; do [[ -n ${PGID[$id]:-} ]] && stop "$id"; done
report
cat "$OUTDIR/results.txt"
echo "results: $OUTDIR" >&2
[[ -s $OUTDIR/skipped.tsv ]] && FAILED=1
exit $FAILED
