#!/usr/bin/env bash
# Records the API that the build's baseline (build/baseline, ApiBaselineTest) checks package versions against:
# cnf/baseline/<bundle>.jar holds the manifest and the exported packages' classes of each bundle as built now.
# Run it once a version change is agreed (e.g. after a major bump lands on main), so that the next change is
# judged against it; with bundle names it records only those (a new bundle that exports packages: name it here
# and add it as a dependency of build/baseline/pom.xml). Builds with `mvn package` (never install).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$top"
source build/jdk25.sh
if [ $# -gt 0 ]; then
  bundles=("$@")
else
  mapfile -t bundles < <(sed -n 's#.*<artifactId>\(fuse\.[a-z.]*\)</artifactId><scope>test</scope>.*#\1#p' build/baseline/pom.xml)
fi
[ ${#bundles[@]} -gt 0 ] || { echo "baseline-update: no bundles to record" >&2; exit 1; }
for b in "${bundles[@]}"; do
  [ -f "$b/pom.xml" ] || { echo "baseline-update: $b: no such module" >&2; exit 1; }
done
mvn -B -q package -DskipTests -pl "$(IFS=,; echo "${bundles[*]}")" -am >&2
mkdir -p cnf/baseline
for b in "${bundles[@]}"; do
  python3 - "$b/target/$b-0.1.0-SNAPSHOT.jar" "cnf/baseline/$b.jar" <<'PY'
import re, sys, zipfile
source, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(source) as jar:
    manifest = jar.read('META-INF/MANIFEST.MF').decode()
    header = re.sub(r'\r?\n ', '', manifest)  # manifest lines continue with a leading space
    exports = re.search(r'^Export-Package: (.*)$', header, re.M)
    if not exports:
        sys.exit(f'baseline-update: {source} exports no package')
    packages = {p.split(';')[0].strip().replace('.', '/') + '/'
                for p in re.split(r',(?=(?:[^"]*"[^"]*")*[^"]*$)', exports.group(1))}
    with zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as out:
        for info in jar.infolist():
            folder = info.filename.rsplit('/', 1)[0] + '/'
            if info.filename == 'META-INF/MANIFEST.MF' or (folder in packages and info.filename.endswith('.class')):
                out.writestr(info, jar.read(info))
print(f'{target}: {", ".join(sorted(p[:-1].replace("/", ".") for p in packages))}')
PY
done
