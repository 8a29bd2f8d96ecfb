#!/usr/bin/env bash
# `make demo`: the main job on one machine. Until the CAS and the runtime
# exist, it shows what works today (checking the MariaDB sessions)
# and says plainly what the full demo will do, then exits non-zero.
set -euo pipefail
cd "$(dirname "$0")/.."
coffer=build/bin/coffer

run() {
  echo "+ $*"
  "$@"
}

echo "== What works today: the session language =="
export DBSESSION="MariaDBSession-$RANDOM" DBCLIENT="MariaDBClientSession-$RANDOM"
export MARIADB_MRENCLAVE=$(printf 'a%.0s' {1..64}) CLIENT_MRENCLAVE=$(printf 'c%.0s' {1..64})
export PLATFORMS=$(printf '1%.0s' {1..64})
run "$coffer" session check --use-env tests/policy/mariadb_client_session.yml
run "$coffer" session check --use-env tests/policy/mariadb_session.yml
echo
echo "== A session with mistakes: every problem, with its line and column =="
unset DBCLIENT
bad=$(mktemp)
trap 'rm -f "$bad"' EXIT
sed -e 's/kind: x509-ca/kind: x509ca/' -e 's/size: 32/size: 0/' \
  tests/policy/mariadb_session.yml >"$bad"
echo "+ $coffer session check --use-env <a copy with a typo in a kind and a size of 0, DBCLIENT unset>"
"$coffer" session check --use-env "$bad" || echo "(exit code $?)"
cat <<'TEXT'

== Not built yet ==
The full demo will: start a LAS and a CAS in a fresh directory, attest the
CAS, get the platform ID and the measurements, create the database and client
sessions, start MariaDB under `coffer run`, write personal data through the
attested client and read it back, then show each protection holding: a
plaintext connection refused, TLS without a client certificate refused, a
certificate from another CA refused, root refused, a MariaDB started on
another platform given no secrets, the stolen data directory unreadable
without the CAS, and no personal data in clear text in any file written.

That needs the CAS and the runtime, which are not built yet (the LAS and
quote verification are: see README.md), so
`make demo` stops here with a non-zero exit code.
TEXT
exit 1
