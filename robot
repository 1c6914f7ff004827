#!/usr/bin/env bash
# The robot launcher: finds a JDK 21+, builds what is missing or out of date, runs the command line.
#   ./robot --help
#   ./robot bundle validate PATH
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$ROOT/.mvn/jdk.sh"

# Modules whose jars and dependencies make up the command line's class path. The runtime is what a
# robot needs; sim-bridge, demo, trainer and cluster add the simulator, the demo, the training commands and the workers where they are built.
MODULES=(runtime sim-bridge demo trainer cluster)

needs_build() {
  local stamp=$ROOT/runtime/target/classpath.txt
  [ -f "$stamp" ] || return 0
  # No sources here (an installed copy): use what is built.
  [ -d "$ROOT/runtime/src" ] || return 1
  [ -n "$(find "$ROOT" \( -name target -o -name .git -o -name node_modules \) -prune -o \
      \( -path '*/src/main/*' -o -name pom.xml \) -newer "$stamp" -print -quit)" ]
}

if needs_build; then
  echo "robot: building the runtime (first use, or sources changed) ..." >&2
  if ! "$ROOT/mvnw" -q -B -DskipTests -Dspotless.skip=true -Denforcer.skip=false \
      -pl "$(IFS=,; echo "${MODULES[*]}")" -am package >&2; then
    echo "robot: the build failed; run './mvnw -DskipTests package' to see why" >&2
    exit 1
  fi
  # The class path file is rewritten only when it changes: mark this build as the newest.
  touch "$ROOT/runtime/target/classpath.txt"
fi

cp=""
for m in "${MODULES[@]}"; do
  jar=$(ls "$ROOT/$m/target/$m-"*.jar 2>/dev/null | grep -v -e '-sources' -e '-tests' | head -n 1 || true)
  [ -n "$jar" ] && cp="$cp:$jar"
  [ -f "$ROOT/$m/target/classpath.txt" ] && cp="$cp:$(cat "$ROOT/$m/target/classpath.txt")"
done
# Drop duplicates, keep order.
cp=$(printf '%s' "${cp#:}" | tr ':' '\n' | awk 'NF && !seen[$0]++' | paste -sd: -)

major=$(adaptrobot_java_major "$JAVA_HOME")
jvm_opts=()
if [ "${major:-0}" -ge 22 ]; then
  # ONNX Runtime loads its native library through JNI; say that this is intended.
  jvm_opts+=(--enable-native-access=ALL-UNNAMED)
fi
if [ "${major:-0}" -ge 24 ]; then
  # protobuf 3.x reads arrays through sun.misc.Unsafe; allow it without a warning per run.
  jvm_opts+=(--sun-misc-unsafe-memory-access=allow)
fi
# Hazelcast (robot worker, train --cluster) reads these internals; say so instead of a warning.
jvm_opts+=(--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.management/sun.management=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED)
exec "$JAVA_HOME/bin/java" "${jvm_opts[@]}" ${ROBOT_JAVA_OPTS:-} -Drobot.home="$ROOT" -cp "$cp" \
  org.adaptrobot.runtime.cli.RobotCommand "$@"
