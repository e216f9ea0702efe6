#!/bin/sh
# Drives `mailproof serve` in headless Chromium as a reporter would: open the
# page, drop a message on it, read the verdict, download the reports and the
# keys, then check a zip of several messages (table, sorting, keyboard), a
# message with hostile headers and an upload over the limit. Screenshots
# and downloads go to OUTDIR for a person to look at.
#
#   scripts/browser-test.sh [OUTDIR]      (default: target/browser-test)
#
# Needs Debian's `chromium` (apt-get install chromium), node and npm; it
# installs `playwright-core` (the driver only, no browser download) under
# target/. Not part of `cargo test`. Everything stays on 127.0.0.1 and
# Chromium runs with its background networking off.
set -eu
cd "$(dirname "$0")/.."
out=${1:-target/browser-test}
rm -rf "$out" && mkdir -p "$out"
out=$(cd "$out" && pwd)
PW_VERSION=1.65.1
node_dir=$(pwd)/target/browser-test-node
if [ ! -d "$node_dir/node_modules/playwright-core" ]; then
    mkdir -p "$node_dir"
    npm install --silent --no-audit --no-fund --prefix "$node_dir" "playwright-core@$PW_VERSION" >/dev/null
fi

# Sample messages (signed with the test keys, one with hostile headers) and
# a zip of them together with the real published messages.
cargo run -q --example render_samples -- "$out/samples"
cargo build -q
python3 - "$out/samples/leak.zip" "$out/samples/messages" fixtures/real-world <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d in sys.argv[2:]:
        for name in sorted(os.listdir(d)):
            if name == "MANIFEST":  # provenance, not a message
                continue
            z.write(os.path.join(d, name), "leak/" + name)
PY
head -c 3000000 /dev/zero | tr '\0' 'x' >"$out/samples/too-big.eml"

# The server picks a free port and prints its address.
./target/debug/mailproof serve --port 0 --keys "$out/samples/keys.zone" --max-upload-mb 2 \
    >"$out/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT INT TERM
url=
for _ in $(seq 50); do
    url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/' "$out/serve.log" | head -n1 || true)
    [ -n "$url" ] && break
    sleep 0.2
done
[ -n "$url" ] || { cat "$out/serve.log" >&2; echo "browser-test: server did not start" >&2; exit 1; }

profile=$(mktemp -d)
status=0
ZIPPED=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$out/samples/leak.zip") \
PW="$node_dir/node_modules/playwright-core" URL="$url" OUT="$out" PROFILE="$profile" \
    COFFEE="$(pwd)/fixtures/real-world/Meeting for coffee.eml" node scripts/browser-test.js || status=$?
rm -rf "$profile"
exit $status
