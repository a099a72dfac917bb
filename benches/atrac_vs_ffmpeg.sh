#!/usr/bin/env bash
# Times `ministage convert` against `ffmpeg -threads 1` decoding the same 5-minute files, made
# by repeating the frames of fixtures in tests/fixtures/atrac: ATRAC3 LP2 and LP4, ATRAC3plus at
# 352 kbps (atracdenc, tonal components) and at 64 kbps (Sony's encoder: gain control, noise
# filling, steep windows).
# Prints seconds (best of 3), × real time, and the ratio ministage / ffmpeg (below 1 = faster).
# ministage writes a WAV file (to a RAM-backed folder when there is one); ffmpeg writes nowhere.
set -euo pipefail
cd "$(dirname "$0")/.."

fixtures=tests/fixtures/atrac
seconds=300
runs=3

missing=""
command -v ffmpeg >/dev/null || missing="$missing ffmpeg"
command -v bc >/dev/null || missing="$missing bc"
if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" != 0 ] && sudo=sudo
    $sudo apt-get update -qq
    # shellcheck disable=SC2086
    $sudo apt-get install -y -qq $missing
fi

cargo build --release --quiet --bin ministage --example repeat_atrac
release=${CARGO_TARGET_DIR:-target}/release
ministage=$release/ministage

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/ministage-atrac-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export MINISTAGE_CONFIG="$work/none.toml" MINISTAGE_LIBRARY="$work/library.sqlite3"

best() { # best wall-clock seconds of $runs runs of "$@"
    local best="" t0 t1 t
    for _ in $(seq "$runs"); do
        t0=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

printf '%-7s %12s %10s %12s %10s %7s\n' mode ministage "×rt" ffmpeg "×rt" ratio
for spec in lp2:music4s_lp2.oma lp4:music4s_lp4.oma a3p352:music4s_at3p.oma a3p64:sample.at3; do
    mode=${spec%%:*}
    source=${spec#*:}
    file="$work/long_$mode.${source##*.}"
    "$release/examples/repeat_atrac" "$fixtures/$source" "$file" "$seconds" 2>/dev/null
    ours=$(best "$ministage" --log-file "$work/log" convert "$file" "$work/out.wav")
    # -loglevel fatal: FFmpeg 5.1 complains about every packet of Sony's RIFF ATRAC3plus
    # ("non monotonically increasing dts"); printing that is no part of decoding.
    theirs=$(best ffmpeg -nostdin -hide_banner -loglevel fatal -threads 1 -i "$file" -f s16le -y /dev/null)
    printf '%-7s %11.3fs %9.0f× %11.3fs %9.0f× %7.2f\n' "$mode" \
        "$ours" "$(echo "$seconds / $ours" | bc -l)" \
        "$theirs" "$(echo "$seconds / $theirs" | bc -l)" \
        "$(echo "$ours / $theirs" | bc -l)"
done
