#!/bin/sh
# Renders sample reports (a verified message, one with hostile header values,
# a changed body, a missing key) as HTML and Markdown, then screenshots the
# HTML and prints it to PDF with headless Chromium, so a person can look at
# them. Offline: Chromium is started with networking features off, and the
# report's Content-Security-Policy forbids any request anyway.
#
#   scripts/render-check.sh [OUTDIR]      (default: target/render-check)
#
# Needs Debian's `chromium` (apt-get install chromium). If Python's
# `cmarkgfm` (GitHub's Markdown renderer) is installed, the Markdown is also
# rendered with it and checked for raw HTML and links.
set -eu
cd "$(dirname "$0")/.."
out=${1:-target/render-check}
rm -rf "$out" && mkdir -p "$out"
out=$(cd "$out" && pwd)

cargo run -q --example render_samples -- "$out/samples"
cargo build -q
bin=$(pwd)/target/debug/mailproof
# Relative paths, as a reporter would type them: they appear in the report.
cd "$out/samples"
msgs=messages
keys=keys.zone

# Exit status 1 (not every message verified) is expected here.
$bin verify --no-builtin-keys --keys "$keys" --format html "$msgs/1-verified.eml" >"$out/verified.html" || [ $? = 1 ]
$bin verify --no-builtin-keys --keys "$keys" --format html "$msgs/2-hostile.eml" >"$out/hostile.html" || [ $? = 1 ]
$bin verify --no-builtin-keys --keys "$keys" --format jsonl "$msgs" >"$out/run.jsonl" || [ $? = 1 ]
$bin report --format html "$out/run.jsonl" >"$out/batch.html" || [ $? = 1 ]
$bin report --format markdown "$out/run.jsonl" >"$out/batch.md" || [ $? = 1 ]

cd "$out"
if grep -Eiq '(src|href)="(https?:)?//|url\(|<script' "$out"/*.html; then
    echo "render-check: an HTML report refers outside itself or has a script" >&2
    exit 1
fi

if python3 -c 'import cmarkgfm' 2>/dev/null; then
    python3 - "$out/batch.md" <<'PY'
import re, sys, cmarkgfm
from cmarkgfm.cmark import Options
html = cmarkgfm.github_flavored_markdown_to_html(open(sys.argv[1]).read(), options=Options.CMARK_OPT_UNSAFE)
open(sys.argv[1] + ".html", "w").write(html)
links = [h for h in re.findall(r'<a href="([^"]*)"', html) if not h.startswith("#message-")]
raw = [t for t in ("<script", "<img", "<b>", "<!--") if t in html]
if links or raw:
    sys.exit(f"render-check: GitHub Markdown renders links {links} or raw HTML {raw}")
print("render-check: GitHub-flavoured Markdown renders no links and no raw HTML")
PY
else
    echo "render-check: python3 cmarkgfm not installed; Markdown not rendered"
fi

chrome() {
    profile=$(mktemp -d)
    chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --no-first-run --disable-sync --no-default-browser-check \
        --user-data-dir="$profile" "$@" >/dev/null 2>&1
    rm -rf "$profile"
}
for page in verified hostile batch; do
    chrome --screenshot="$out/$page.png" --window-size=1200,2000 "file://$out/$page.html"
    chrome --print-to-pdf="$out/$page.pdf" --no-pdf-header-footer "file://$out/$page.html"
done
ls -l "$out"/*.png "$out"/*.pdf
