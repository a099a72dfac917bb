#!/usr/bin/env bash
# Runs netmd-js against ministage's virtual deck (interop.mjs). Installs netmd-js from the npm
# registry, as pinned by package-lock.json, into an ignored folder (target/netmd-js-bridge, or
# $NETMD_JS_DIR), builds ministage unless $MINISTAGE names a binary, and runs the script twice:
# on a well-behaved deck and on a slow one.
# Needs Node.js 18 or later and npm; not part of scripts/test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=$(realpath -m "${CARGO_TARGET_DIR:-$repo/target}")
work=$(realpath -m "${NETMD_JS_DIR:-$target/netmd-js-bridge}")

for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "run.sh needs $tool (Node.js 18 or later)" >&2; exit 1; }
done
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then
    echo "run.sh needs Node.js 18 or later (this is $(node --version))" >&2
    exit 1
fi
mkdir -p "$work"
cp "$here/package.json" "$here/package-lock.json" "$work/"
# --ignore-scripts: netmd-js's USB back end (a native module) is not used here.
(cd "$work" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

if [[ -z ${MINISTAGE:-} ]]; then
    (cd "$repo" && cargo build --quiet --bin ministage)
    MINISTAGE=$target/debug/ministage
fi
export MINISTAGE NETMD_JS_DIR=$work
node "$here/interop.mjs"
# Again with a deck that answers "not ready" to a poll and sends an interim reply before each
# final one, as slow recorders do: netmd-js must wait for the answers as ministage does.
echo "with MINISTAGE_VIRTUAL_FAULTS=busy-polls=1,interim=1:"
MINISTAGE_VIRTUAL_FAULTS=busy-polls=1,interim=1 node "$here/interop.mjs"
