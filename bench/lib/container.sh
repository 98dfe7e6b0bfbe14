# bench/lib/container.sh - sourced by the bench scripts that start a checkout's ./run themselves
# (first-listing.sh, startup-ab.sh): one way to launch it, wait for its mount and stop it.

# mounted MOUNTPOINT: whether something is mounted there (mountinfo: never waits for a FUSE server)
mounted() { awk -v m="$1" '$5 == m { f = 1 } END { exit !f }' /proc/self/mountinfo; }

# launch_run CHECKOUT SOURCE MOUNTPOINT HOME LOG: starts CHECKOUT's ./run (built: FUSE_NO_BUILD) in a session of
# its own, so that stop_run reaches every process of it; sets LAUNCHED to the session's process group.
launch_run() {
	setsid bash -c 'cd "$1" && FUSE_SOURCE="$2" FUSE_MOUNTPOINT="$3" FUSE_HOME="$4" FUSE_NO_BUILD=1 exec ./run < <(exec sleep 600)' \
		start "$1" "$2" "$3" "$4" >"$5" 2>&1 &
	LAUNCHED=$!
}

# await_mount MOUNTPOINT PROBE: waits up to 30 s for MOUNTPOINT to be mounted and PROBE (a path in it) to answer
# stat(2); fails when nothing is mounted by then.
await_mount() {
	local i
	for ((i = 0; i < 6000; i++)); do
		if mounted "$1" && timeout 5 stat -- "$2" >/dev/null 2>&1; then return 0; fi
		sleep 0.005
	done
	mounted "$1"
}

# stop_run PGID MOUNTPOINT: SIGTERM to the process group (none if PGID is empty), SIGKILL after 15 s, then the
# mount lazily unmounted if it is still there.
stop_run() {
	local i
	if [[ -n $1 ]]; then
		kill -TERM -- "-$1" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do kill -0 -- "-$1" 2>/dev/null || break; sleep 0.1; done
		kill -KILL -- "-$1" 2>/dev/null || true
	fi
	if mounted "$2"; then umount -l "$2" || true; fi
}
