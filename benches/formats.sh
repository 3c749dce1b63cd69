#!/usr/bin/env bash
# Whole builds of the same generated stories in each story format.
#
#   benches/formats.sh [N]        N stories (default 100000)
#
# Writes N stories (deterministic, seed 1) as Markdown (no .txt), as
# NewsML-G2 (NITF inside, a quarter in messages, picture items besides),
# as NITF and as ninjs (1.x/2.x/3.x, a fifth in .jsonl dumps), then builds
# each with the release binary into tmpfs, one after the other, RUNS times
# in turn (round-robin, so that a noisy moment hits every format alike),
# and prints the best wall time, its load stage (`--timings`), the least
# CPU time (user + system: what the machine's other load disturbs least),
# peak RSS (GNU time) and the ratios to Markdown.
#
# Needs: GNU time (/usr/bin/time). Environment: RUNS (default 5), DIR
# (default /dev/shm/dateline-formats).
set -euo pipefail
N=${1:-100000}
RUNS=${RUNS:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
DIR=${DIR:-/dev/shm/dateline-formats}
formats="md newsml nitf ninjs"

[ -x /usr/bin/time ] || { echo "formats.sh: GNU time not found (apt-get install -y time)" >&2; exit 2; }
cd "$repo"
cargo build --release --quiet -p dateline -p dateline-corpus
dateline=$repo/target/release/dateline
gen=$repo/target/release/gen-corpus

rm -rf "$DIR"
mkdir -p "$DIR"
trap 'rm -rf "$DIR"' EXIT
for f in $formats; do
  "$gen" --stories "$N" --txt-fraction 0 --format "$f" --out "$DIR/$f" >/dev/null
done

declare -A wall load cpu rss
for run in $(seq "$RUNS"); do
  for f in $formats; do
    out=$DIR/out
    rm -rf "$out"
    log=$DIR/time.log
    /usr/bin/time -v "$dateline" build --timings --root "$DIR/$f" --output "$out" \
      >"$DIR/stdout.log" 2>"$log"
    w=$(awk -F': ' '/Elapsed \(wall clock\)/ {
        n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$log")
    l=$(awk '/ms  load stories/ {print $1 / 1000}' "$log" "$DIR/stdout.log" | head -1)
    k=$(awk -F': ' '/Maximum resident set size/ {print int($2 / 1024)}' "$log")
    c=$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$log")
    if [ -z "${cpu[$f]:-}" ] || awk -v a="$c" -v b="${cpu[$f]}" 'BEGIN{exit !(a<b)}'; then cpu[$f]=$c; fi
    if [ -z "${wall[$f]:-}" ] || awk -v a="$w" -v b="${wall[$f]}" 'BEGIN{exit !(a<b)}'; then
      wall[$f]=$w; load[$f]=$l
    fi
    if [ -z "${rss[$f]:-}" ] || [ "$k" -gt "${rss[$f]}" ]; then rss[$f]=$k; fi
  done
done
rm -rf "$DIR/out"

printf '\n%s stories, best of %s run(s), %s cores, output on tmpfs\n' "$N" "$RUNS" "$(nproc)"
printf '%-7s | %8s | %10s | %12s | %9s | %9s | %11s | %10s\n' format build "load stage" "load / story" "CPU time" "peak RSS" "wall vs md" "CPU vs md"
for f in $formats; do
  printf '%-7s | %6.2f s | %8.2f s | %9.1f us | %7.2f s | %6s MB | %10.2fx | %9.2fx\n' "$f" "${wall[$f]}" "${load[$f]}" \
    "$(awk -v l="${load[$f]}" -v n="$N" 'BEGIN{print l * 1e6 / n}')" "${cpu[$f]}" "${rss[$f]}" \
    "$(awk -v a="${wall[$f]}" -v b="${wall[md]}" 'BEGIN{print a / b}')" \
    "$(awk -v a="${cpu[$f]}" -v b="${cpu[md]}" 'BEGIN{print a / b}')"
done
