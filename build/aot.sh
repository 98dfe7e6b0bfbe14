# Sourced by ./run: a JDK AOT cache (JEP 483/514/515) for the container's JVM. It holds the classes a start
# loads, already parsed and linked, and their method profiles, so the next start skips most of that work. On
# JDK 25 this covers the bundles' classes too (Felix defines them from the same bytes, which the JVM checks).
#
# The cache is made on this machine by ./run itself, never shipped: the first start without one records what it
# loads (-XX:AOTMode=record); when that JVM has exited, a background job assembles the cache (-XX:AOTMode=create,
# about 2 s of CPU at nice 19) into fuse.dist/target/aot/, and later starts use it. Its name is keyed to the
# exact jar (size, time, CRC), the JDK and the JVM options, so a rebuilt jar, another JDK or other options never
# meet a stale cache; the JVM checks it again and runs without it (one error line) if it is unusable. Nothing
# here can stop the container from starting: any failure just means no cache. FUSE_AOT=0 turns it off;
# FUSE_AOT_DIR puts the caches elsewhere.
#
# aot_options JAR OPTION...   sets AOT_OPTS: the options to add to the JVM started with exactly these OPTIONs.
#                             Call it last before `exec java`: the recorder's helper waits for this process id.

AOT_OPTS=()

aot_options() {
  local jar=$1 option; shift
  # Logging options (-Xlog:gc…) do not shape the cache: neither part of its key nor of its assembly.
  local options=()
  for option in "$@"; do [[ $option == -Xlog:* ]] || options+=("$option"); done
  set -- "${options[@]}"
  local dir="${FUSE_AOT_DIR:-$top/fuse.dist/target/aot}" jar_id jdk_id opt_id base
  case "${FUSE_AOT:-1} $*" in
    0\ * | *-XX:AOTCache* | *-XX:AOTMode* | *-XX:SharedArchiveFile* | *-Xshare:off*) return 0 ;;
  esac
  mkdir -p "$dir" 2>/dev/null && [ -w "$dir" ] || return 0
  jar_id=$(stat -c '%s-%Y' "$jar")-$(cksum <"$jar" | cut -d' ' -f1) || return 0
  jdk_id=$({ echo "$JAVA_HOME"; cat "$JAVA_HOME/release"; stat -Lc '%s %Y' "$JAVA_HOME/lib/server/libjvm.so"; } 2>/dev/null \
    | cksum | cut -d' ' -f1)
  opt_id=$(printf '%s\n' "$@" | cksum | cut -d' ' -f1)
  base="$dir/fuse-$jar_id-$jdk_id-$opt_id"
  if [ -s "$base.aot" ]; then
    AOT_OPTS=(-XX:AOTCache="$base.aot")
    return 0
  fi
  # Assembling failed three times for this key (see $base.log): not again.
  [ "$(cat "$base.failed" 2>/dev/null | wc -l)" -lt 3 ] || return 0
  # One recorder per key at a time: the lock is held from here until its cache is assembled (or given up).
  exec 9>"$base.lock" && flock -n 9 || { exec 9>&-; return 0; }
  rm -f "$base.conf"
  # The recorder's notes on classes it cannot cache (old class files, e.g. ASM's) go to a file, not the console.
  AOT_OPTS=(-XX:AOTMode=record -XX:AOTConfiguration="$base.conf" -Xlog:aot=error
    "-Xlog:aot*=warning:file=$base.record.log")
  # Detached (own session, so stopping the container's process group does not stop it), low priority, bounded.
  setsid bash -c "$(declare -f aot_assemble); aot_assemble \"\$@\"" aot-assemble "$$" "$jar" "$base" "$jar_id" "$@" \
    </dev/null >/dev/null 2>&1 &
  exec 9>&- # the JVM does not hold the lock; the helper does
}

# aot_assemble PID JAR BASE JAR_ID OPTION...: waits for the recording JVM (PID) to exit, then builds BASE.aot from
# the configuration it wrote. Runs in the background, holding the lock on fd 9.
aot_assemble() {
  local pid=$1 jar=$2 base=$3 jar_id=$4; shift 4
  tail --pid="$pid" -f /dev/null 2>/dev/null || while kill -0 "$pid" 2>/dev/null; do sleep 1; done
  [ -s "$base.conf" ] || exit 0 # killed before it could write its configuration: the next start records again
  cd "${base%/*}" || exit 0 # not the container's FUSE_HOME, which may be gone by now (a JVM needs its cwd)
  if nice -n 19 timeout 600 "$JAVA_HOME/bin/java" "$@" -XX:AOTMode=create -XX:AOTConfiguration="$base.conf" \
      -XX:AOTCache="$base.tmp" -cp "$jar" >"$base.log" 2>&1 \
      && [ -s "$base.tmp" ] && mv -f "$base.tmp" "$base.aot"; then
    # Caches of other builds of the jar are dead weight (tens of MB each).
    find "${base%/*}" -maxdepth 1 -name 'fuse-*' ! -name "fuse-$jar_id-*" -delete 2>/dev/null
    rm -f "$base.failed"
  else
    date >>"$base.failed"
  fi
  rm -f "$base.conf" "$base.tmp"
}
