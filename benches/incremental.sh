#!/usr/bin/env bash
# Production builds over an existing output, as a day's publishing does
# them (README "Incremental builds and deploys"; issue 12's table).
#
#   benches/incremental.sh [N]     N generated stories (default 100000)
#
# Generates N stories (seed 1) in a site on this machine's disk (DIR,
# default /var/tmp/dateline-incremental: not tmpfs, since the issue asks
# for the disk), builds it with `--clean`, then times, one after the
# other, what a newsroom's day does to it:
#
#   nothing changed        `dateline build` again
#   one story corrected    a sentence added to one story's body
#   500 new stories        a day's batch (another seed) filed on a new day
#   article.html edited    the built-in template, a comment added to its page
#   nothing changed        again, after all that
#   --clean                a full build, swapped in whole
#
# and prints, for each: wall time, peak RSS (GNU time), files written and
# removed (from the build's summary line) and their share of the output's
# files. Before each build it waits 2.1 s, longer than any file system's
# clock tick (FAT's is two seconds): a build cannot vouch by their stamps
# for files written in the tick it stamps them in, so it reads them again,
# which a real day's build, made seconds or hours after its files, does
# not.
#
# Needs: GNU time (/usr/bin/time). Environment: DIR; KEEP=1 keeps it.
set -euo pipefail
N=${1:-100000}
repo=$(cd "$(dirname "$0")/.." && pwd)
DIR=${DIR:-/var/tmp/dateline-incremental}
NOW=2026-12-01T00:00:00Z

[ -x /usr/bin/time ] || { echo "incremental.sh: GNU time not found (apt-get install -y time)" >&2; exit 2; }
cd "$repo"
cargo build --release --quiet -p dateline -p dateline-corpus
dateline=$repo/target/release/dateline
gen=$repo/target/release/gen-corpus

rm -rf "$DIR"
mkdir -p "$DIR"
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$DIR"' EXIT
site=$DIR/site
"$gen" --stories "$N" --out "$site" >/dev/null
"$gen" --stories 500 --seed 7 --txt-fraction 0 --out "$DIR/batch" >/dev/null
"$dateline" init "$DIR/theme" >/dev/null

printf '%-22s %10s %10s %10s %8s %8s\n' build "wall (s)" "RSS (MB)" written removed "% files"
run() {
  local name=$1
  shift
  sleep 2.1
  local log=$DIR/log
  ( cd "$site" && /usr/bin/time -f '%e %M' -o "$DIR/time" "$dateline" build --now "$NOW" "$@" ) >"$log" 2>"$DIR/err" \
    || { cat "$DIR/err" >&2; exit 1; }
  local wall rss written removed files
  read -r wall rss <"$DIR/time"
  # Built ... (N files written, R removed, U unchanged) -> public
  written=$(sed -n 's/.*(\([0-9]*\) files\{0,1\} written, \([0-9]*\) removed, \([0-9]*\) unchanged).*/\1/p' "$log")
  removed=$(sed -n 's/.*(\([0-9]*\) files\{0,1\} written, \([0-9]*\) removed, \([0-9]*\) unchanged).*/\2/p' "$log")
  files=$(sed -n 's/.*(\([0-9]*\) files\{0,1\} written, \([0-9]*\) removed, \([0-9]*\) unchanged).*/\1 \3/p' "$log" | awk '{print $1 + $2}')
  printf '%-22s %10s %10d %10s %8s %8.2f\n' "$name" "$wall" $((rss / 1024)) "$written" "$removed" \
    "$(awk -v w="$written" -v f="$files" 'BEGIN { print (f ? 100 * w / f : 0) }')"
}

# The build this day starts from (not timed).
sleep 2.1
( cd "$site" && "$dateline" build --now "$NOW" --clean >/dev/null 2>&1 )

run "nothing changed"

story=$(find "$site/content" -name '*.md' | sort | sed -n "$((N / 2))p")
echo "Corrected: the figure is revised." >>"$story"
run "one story corrected"

mkdir -p "$site/content/2025/01/15"
i=0
for f in $(find "$DIR/batch/content" -name '*.md' | sort); do
  i=$((i + 1))
  sed "s/^date: .*/date: 2025-01-15 $(printf '%02d:%02d:00' $((i % 24)) $((i % 60)))/" "$f" \
    >"$site/content/2025/01/15/batch-$i.md"
done
run "500 new stories"

mkdir -p "$site/templates"
sed 's/^{% block content %}/{% block content %}<!-- edited -->/' "$DIR/theme/templates/article.html" \
  >"$site/templates/article.html"
run "article.html edited"

run "nothing changed"
run "--clean" --clean
