#!/usr/bin/env bash
# Side-by-side full builds of one generated archive by dateline and Hugo.
#
#   benches/compare.sh [N...]     N stories (default 10000); several N, one table each
#
# Generates N stories (deterministic, seed 1) as a dateline site and as an
# equivalent Hugo site (same stories; article pages at /YYYY/MM/DD/<slug>/,
# paginated home and keyword pages, the keyword list, year/month/day
# indexes, feeds, a sitemap), then for output on tmpfs (/dev/shm) and on
# disk (target/compare/) prints wall time and peak RSS of each engine, the
# `cp -r` floor (copying dateline's output), and the ratios.
#
# Needs: hugo (Debian: apt-get install -y hugo), GNU time (/usr/bin/time).
# Environment: RUNS (default 1; the best run is kept), DISK_DIR, SHM_DIR.
set -euo pipefail
RUNS=${RUNS:-1}
repo=$(cd "$(dirname "$0")/.." && pwd)
SHM_DIR=${SHM_DIR:-/dev/shm/dateline-compare}
DISK_DIR=${DISK_DIR:-$repo/target/compare}

command -v hugo >/dev/null || { echo "compare.sh: hugo not found (apt-get install -y hugo)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "compare.sh: GNU time not found (apt-get install -y time)" >&2; exit 2; }

cd "$repo"
cargo build --release --quiet -p dateline -p dateline-corpus
dateline=$repo/target/release/dateline
gen=$repo/target/release/gen-corpus

compare() {
N=$1
rm -rf "$SHM_DIR" "$DISK_DIR"
mkdir -p "$SHM_DIR" "$DISK_DIR"
src_dl=$SHM_DIR/src-dateline
src_hugo=$SHM_DIR/src-hugo
# Hugo reads Markdown only, so both get the same all-Markdown stories.
"$gen" --stories "$N" --txt-fraction 0 --out "$src_dl" >/dev/null
"$gen" --stories "$N" --txt-fraction 0 --hugo --out "$src_hugo" >/dev/null

# run OUT CMD...: best wall time (s) and its peak RSS (MB) over RUNS, each
# into a fresh OUT; prints "wall rss", or "failed rss" when CMD failed (Hugo
# can run out of memory on large archives).
run() {
  local out=$1; shift
  local best="" rss=""
  for _ in $(seq "$RUNS"); do
    rm -rf "$out"; sync
    local log; log=$(mktemp)
    local ok=1
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || ok=0
    local wall; wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log")
    local kb; kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    if [ "$ok" = 0 ]; then
      grep -E "error|Error|signal" "$log" | head -3 >&2
      rm -f "$log"
      echo "failed $((kb / 1024))"
      return
    fi
    rm -f "$log"
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN{exit !(a<b)}'; then
      best=$wall; rss=$((kb / 1024))
    fi
  done
  echo "$best $rss"
}

files() { find "$1" -type f | wc -l; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.1f", a / b; else print "-" }'; }


printf '\n%s stories, %s run(s) each, %s cores\n' "$N" "$RUNS" "$(nproc)"
printf '%-7s | %-26s | %-26s | %-9s | %-13s | %-13s\n' \
  target "dateline: wall, RSS, files" "hugo: wall, RSS, files" "cp floor" "hugo/dateline" "dateline/floor"
for target in tmpfs disk; do
  case $target in tmpfs) base=$SHM_DIR ;; disk) base=$DISK_DIR ;; esac
  # One engine's output at a time: on tmpfs the outputs share the RAM that
  # the engines need.
  read -r dl_wall dl_rss < <(run "$base/out-dateline" "$dateline" build --root "$src_dl" --output "$base/out-dateline")
  dl_files=$(files "$base/out-dateline")
  read -r cp_wall _ < <(run "$base/out-copy" cp -r "$base/out-dateline" "$base/out-copy")
  rm -rf "$base/out-dateline" "$base/out-copy"
  read -r hu_wall hu_rss < <(cd "$src_hugo" && run "$base/out-hugo" hugo --quiet -d "$base/out-hugo")
  hu_files=$(files "$base/out-hugo" 2>/dev/null || echo 0)
  rm -rf "$base/out-hugo"
  if [ "$hu_wall" = failed ]; then
    printf '%-7s | %6.2f s %5s MB %7s | failed at %5s MB         | %6.2f s  | %10s    | %10sx\n' \
      "$target" "$dl_wall" "$dl_rss" "$dl_files" "$hu_rss" "$cp_wall" "-" "$(ratio "$dl_wall" "$cp_wall")"
  else
    printf '%-7s | %6.2f s %5s MB %7s | %6.2f s %5s MB %7s | %6.2f s  | %10sx   | %10sx\n' \
      "$target" "$dl_wall" "$dl_rss" "$dl_files" "$hu_wall" "$hu_rss" "$hu_files" "$cp_wall" \
      "$(ratio "$hu_wall" "$dl_wall")" "$(ratio "$dl_wall" "$cp_wall")"
  fi
done
rm -rf "$SHM_DIR" "$DISK_DIR"
}

for n in "${@:-10000}"; do
  compare "$n"
done
