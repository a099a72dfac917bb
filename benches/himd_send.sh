#!/usr/bin/env bash
# Peak memory of a Hi-MD send: one long WAV sent with `device send` to a blank 1 GB virtual
# Hi-MD disc, as PCM (lossless, ~780 MB for 74 minutes) and as LP2 (encoded on the way). A send
# streams — the coded audio waits in a temporary file and the disc's writer reads it a megabyte
# at a time — so the peak RSS stays flat with the track's length.
#
#   benches/himd_send.sh [MINUTES]          (default 74)
#   MINISTAGE=path/to/ministage benches/himd_send.sh   (measure another build)
#
# Needs ffmpeg (to write the WAV) and GNU time (/usr/bin/time). Prints wall seconds and peak RSS
# for each mode.
#
# Measured on the 2-core build machine, release build, `benches/himd_send.sh 74` (783 MB WAV)
# and `benches/himd_send.sh 10` (105 MB), peak RSS:
#                                               74 min           10 min
#   before (main at dde7544, tracks held whole): pcm 2256 MB     pcm 314 MB
#                                                lp2  222 MB     lp2  39 MB
#   after (streaming):                           pcm   11 MB     pcm  11 MB
#                                                lp2   12 MB     lp2  12 MB
# Wall time was unchanged (74 min: pcm 14.1 → 13.2 s, lp2 28.7 → 25.8 s).

set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MINISTAGE:-}" ]; then
    cargo build --release --quiet --bin ministage
    MINISTAGE=$(realpath "${CARGO_TARGET_DIR:-target}/release/ministage")
fi
minutes=${1:-74}
music=tests/fixtures/atrac-pcm/music4s.flac

work=$(mktemp -d /tmp/ministage-himd-send.XXXXXX)
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data" XDG_STATE_HOME="$work/state"
unset MINISTAGE_DEVICE MINISTAGE_LIBRARY MINISTAGE_CONFIG MINISTAGE_VIRTUAL_FAULTS

ffmpeg -v error -stream_loop -1 -i "$music" -t $((minutes * 60)) -ar 44100 -ac 2 \
    -c:a pcm_s16le -metadata title="Long" "$work/long.wav"
echo "one ${minutes}-minute WAV, $(($(stat -c %s "$work/long.wav") / 1000000)) MB"

# send MODE: a fresh blank 1 GB disc, then one measured `device send`.
send() {
    local mode=$1 disc="$work/disc-$1.img"
    "$MINISTAGE" device init-virtual "$disc" --himd --minutes 1gb >/dev/null
    /usr/bin/time -v -o "$work/time" \
        "$MINISTAGE" --device "virtual:$disc" device send --mode "$mode" "$work/long.wav" \
        >/dev/null 2>"$work/stderr" || { cat "$work/stderr"; exit 1; }
    local rss wall
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time")
    echo "$mode: wall $wall, peak RSS $((rss / 1024)) MB"
    rm -f "$disc" "$disc".*
}

send pcm
send lp2
