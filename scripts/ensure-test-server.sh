#!/usr/bin/env bash
# Prints (last line of stdout) the path of an executable that runs Temporal's Java time-skipping test
# server (`<path> <port> --enable-time-skipping`), the one TestWorkflowEnvironment.createTimeSkipping
# starts with `executable: { type: 'existing-path', path }`.
#   TEMPORAL_TEST_SERVER_PATH set and executable          -> that
#   .tools/temporal-test-server-<version>/temporal-test-server -> reused
#   otherwise: io.temporal:temporal-test-server and its runtime dependencies are fetched from Maven
#   Central (scripts/test-server/pom.xml) into .tools/temporal-test-server-<version>/lib, with a
#   small wrapper script next to them. Needs Java 8+ and Maven 3.6.3+.
# Versions tried in order: $TEMPORAL_TEST_SERVER_VERSION if set, else 1.38.0 then 1.31.0.
# Maven output goes to stderr, so callers can capture stdout.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -n "${TEMPORAL_TEST_SERVER_VERSION:-}" ]]; then
  versions=("$TEMPORAL_TEST_SERVER_VERSION")
else
  versions=(1.38.0 1.31.0)
fi

if [[ -n "${TEMPORAL_TEST_SERVER_PATH:-}" ]]; then
  if [[ -x "$TEMPORAL_TEST_SERVER_PATH" && ! -d "$TEMPORAL_TEST_SERVER_PATH" ]]; then
    echo "$TEMPORAL_TEST_SERVER_PATH"
    exit 0
  fi
  echo "ensure-test-server: TEMPORAL_TEST_SERVER_PATH=$TEMPORAL_TEST_SERVER_PATH is not an executable file." >&2
  exit 1
fi

wrapper_of() { echo "$repo_root/.tools/temporal-test-server-$1/temporal-test-server"; }

for v in "${versions[@]}"; do
  w="$(wrapper_of "$v")"
  if [[ -x "$w" ]]; then
    echo "$w"
    exit 0
  fi
done

if ! command -v java >/dev/null 2>&1; then
  cat >&2 <<MSG
ensure-test-server: Java is not installed; the time-skipping test server is a Java program.
  Install a JDK or JRE 17+ (e.g. \`apt-get install openjdk-17-jre-headless maven\`, or https://adoptium.net),
  or point TEMPORAL_TEST_SERVER_PATH at an existing test server executable.
MSG
  exit 1
fi
if ! command -v mvn >/dev/null 2>&1; then
  cat >&2 <<MSG
ensure-test-server: Maven (mvn) is not installed; it fetches the test server from Maven Central.
  Install Maven 3.6.3+ (e.g. \`apt-get install maven\`, or https://maven.apache.org/download.cgi),
  or point TEMPORAL_TEST_SERVER_PATH at an existing test server executable.
MSG
  exit 1
fi

pom="$repo_root/scripts/test-server/pom.xml"
for v in "${versions[@]}"; do
  dir="$repo_root/.tools/temporal-test-server-$v"
  w="$(wrapper_of "$v")"
  mkdir -p "$repo_root/.tools"
  # Fetch into a temporary directory and move into place at the end, so an interrupted run never
  # leaves a half-filled directory that a later run would take for a good one.
  tmp="$(mktemp -d "$repo_root/.tools/.test-server.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  echo "ensure-test-server: fetching io.temporal:temporal-test-server:$v from Maven Central..." >&2
  # (sed: Maven 3.8 prints stray colour codes even in batch mode)
  if ! mvn -B -q -Dstyle.color=never -f "$pom" \
      "-Dtemporal.test-server.version=$v" \
      dependency:copy-dependencies -DincludeScope=runtime "-DoutputDirectory=$tmp/lib" 2>&1 \
      | sed -u 's/\x1b\[[0-9;]*m//g' >&2 \
    || ! ls "$tmp/lib/temporal-test-server-$v.jar" >/dev/null 2>&1; then
    echo "ensure-test-server: io.temporal:temporal-test-server:$v could not be fetched." >&2
    rm -rf "$tmp"
    continue
  fi
  cat > "$tmp/temporal-test-server" <<'WRAPPER'
#!/usr/bin/env bash
# Temporal's Java time-skipping test server. Usage: temporal-test-server <port> [--enable-time-skipping]
# Written by scripts/ensure-test-server.sh; the jars are in lib/ next to this file.
# `exec`, so the process that the Temporal SDK stops is the JVM itself.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck disable=SC2086 # TEMPORAL_TEST_SERVER_JAVA_OPTS is a list of JVM options
exec java ${TEMPORAL_TEST_SERVER_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  "-Djava.util.logging.config.file=$here/logging.properties" \
  -cp "$here/lib/*" io.temporal.testserver.TestServer "$@"
WRAPPER
  chmod +x "$tmp/temporal-test-server"
  chmod 755 "$tmp" # mktemp made it private
  # gRPC logs through java.util.logging: keep warnings and errors only.
  printf '%s\n' 'handlers=java.util.logging.ConsoleHandler' '.level=WARNING' > "$tmp/logging.properties"
  if [[ -x "$w" ]]; then
    rm -rf "$tmp" # another run installed it meanwhile
  else
    rm -rf "$dir"
    mv "$tmp" "$dir"
  fi
  echo "ensure-test-server: installed test server $v in $dir" >&2
  echo "$w"
  exit 0
done

echo "ensure-test-server: could not fetch the test server (tried ${versions[*]}). Check access to Maven Central (proxy settings in ~/.m2/settings.xml), or set TEMPORAL_TEST_SERVER_PATH." >&2
exit 1
