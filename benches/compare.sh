#!/usr/bin/env bash
# Side-by-side clean builds of one generated archive by dateline and Hugo.
#
#   benches/compare.sh [N...]     N stories (default 10000); several N, one table each
#
# Generates N stories (deterministic, seed 1) as a dateline site and as the
# Hugo site a Hugo user would write (`gen-corpus --hugo`, the layouts of
# corpus/hugo/, which are those of the reference peer site of
# ../shared/bench-peers/hugo/): articles at /YYYY/MM/DD/<slug>/ in nested
# sections with an _index.md per year, month and day, listing
# .RegularPagesRecursive; home, period and tag pages paginated by 50;
# keywords from .Params.tags; /tags/; one site feed; the sitemap; a 404
# page. dateline builds its own default site, which does more: a feed per
# keyword, summaries, JSON-LD and the search index stay on.
#
# For output on tmpfs (/dev/shm) and on disk (target/compare/) it prints,
# for each engine, the median wall time of RUNS clean builds (each into a
# folder that does not exist yet), the peak RSS, the files and bytes
# written; the median time of `cp -r` of dateline's output (the floor); and
# the ratios. Only ratios from one run mean much: the floor itself moves
# by a third from day to day on a shared VM.
#
# Needs: hugo (Debian: apt-get install -y hugo), GNU time (/usr/bin/time).
# Environment: RUNS (default 3), DISK_DIR, SHM_DIR, TARGETS (default
# "tmpfs disk": the outputs to time; "tmpfs" alone when the disk is
# throttled or busy).
set -euo pipefail
RUNS=${RUNS:-3}
TARGETS=${TARGETS:-tmpfs disk}
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

# run OUT CMD...: the median wall time (s) of RUNS runs and the highest
# peak RSS (MB), each run into a fresh OUT (and without the cache dateline
# keeps beside it, so that every run is a clean build); prints "wall rss", or
# "failed rss" when CMD failed (Hugo can run out of memory on large
# archives).
run() {
  local out=$1; shift
  local walls="" rss=0
  for _ in $(seq "$RUNS"); do
    rm -rf "$out" "$(dirname "$out")/.$(basename "$out").cache"; sync
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
    walls="$walls $wall"
    [ $((kb / 1024)) -gt "$rss" ] && rss=$((kb / 1024))
  done
  local median; median=$(printf '%s\n' $walls | sort -g | awk '{ v[NR] = $1 }
    END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
  echo "$median $rss"
}

files() { find "$1" -type f | wc -l; }
mbytes() { find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { printf "%.0f", s / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "-" }'; }


printf '\n%s stories, median of %s clean build(s) each, %s cores, %s, %s\n' \
  "$N" "$RUNS" "$(nproc)" "$("$dateline" --version)" "$(hugo version | awk '{ print "hugo " $2 }')"
printf '%-6s | %-31s | %-31s | %-9s | %-13s | %-14s\n' \
  target "dateline: wall, RSS, files, MB" "hugo: wall, RSS, files, MB" "cp floor" "hugo/dateline" "dateline/floor"
for target in $TARGETS; do
  case $target in
    tmpfs) base=$SHM_DIR ;;
    disk) base=$DISK_DIR ;;
    *) echo "compare.sh: TARGETS holds $target: tmpfs or disk" >&2; exit 2 ;;
  esac
  # One engine's output at a time: on tmpfs the outputs share the RAM that
  # the engines need.
  read -r dl_wall dl_rss < <(run "$base/out-dateline" "$dateline" build --root "$src_dl" --output "$base/out-dateline")
  dl_files=$(files "$base/out-dateline"); dl_mb=$(mbytes "$base/out-dateline")
  read -r cp_wall _ < <(run "$base/out-copy" cp -r "$base/out-dateline" "$base/out-copy")
  rm -rf "$base/out-dateline" "$base/out-copy"
  read -r hu_wall hu_rss < <(run "$base/out-hugo" hugo --source "$src_hugo" --destination "$base/out-hugo" --quiet)
  hu_files=$(files "$base/out-hugo" 2>/dev/null || echo 0); hu_mb=$(mbytes "$base/out-hugo" 2>/dev/null || echo 0)
  rm -rf "$base/out-hugo"
  if [ "$hu_wall" = failed ]; then
    printf '%-6s | %6.2f s %5s MB %7s %5s | failed at %5s MB              | %6.2f s  | %10s    | %10sx\n' \
      "$target" "$dl_wall" "$dl_rss" "$dl_files" "$dl_mb" "$hu_rss" "$cp_wall" "-" "$(ratio "$dl_wall" "$cp_wall")"
  else
    printf '%-6s | %6.2f s %5s MB %7s %5s | %6.2f s %5s MB %7s %5s | %6.2f s  | %10sx   | %10sx\n' \
      "$target" "$dl_wall" "$dl_rss" "$dl_files" "$dl_mb" "$hu_wall" "$hu_rss" "$hu_files" "$hu_mb" "$cp_wall" \
      "$(ratio "$hu_wall" "$dl_wall")" "$(ratio "$dl_wall" "$cp_wall")"
  fi
done
rm -rf "$SHM_DIR" "$DISK_DIR"
}

for n in "${@:-10000}"; do
  compare "$n"
done
