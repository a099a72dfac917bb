#!/usr/bin/env bash
# Times `ministage convert IN OUT.oma --mode lp2|lp4` (and `OUT.aea`, ATRAC1, for sp) against
# atracdenc on the same piece, one core each (taskset -c 0), best of 3, and measures the peak
# RSS of converting a long file.
#
#   MODES="lp2 lp4 sp" benches/atrac3_speed.sh [PIECE.wav] [RSS_MINUTES]
#
# PIECE.wav: a 44.1 kHz 16-bit stereo WAV of five minutes or more (default: the music and voice
# fixture sources repeated to 5 minutes). RSS_MINUTES (default 74): the length of the file made
# (by repeating the piece) for the memory figure. atracdenc is $ATRACDENC or on the PATH
# (build notes in /work/shared/tools/README.md); without it only ministage is timed.
# Prints seconds, × real time, the ratio ministage / atracdenc (target: ≤ 0.5) and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin ministage
ministage=${CARGO_TARGET_DIR:-target}/release/ministage
atracdenc=${ATRACDENC:-$(command -v atracdenc || true)}
rss_minutes=${2:-74}
runs=3

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/ministage-atrac3-speed.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Repeats a WAV's audio to at least `seconds` (python3, standard library only).
repeat_wav() { # IN OUT SECONDS
    python3 - "$1" "$2" "$3" <<'PY'
import sys, wave
src, dst, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
with wave.open(src) as w:
    params, data = w.getparams(), w.readframes(w.getnframes())
need = int(seconds * params.framerate)
with wave.open(dst, "wb") as o:
    o.setparams(params)
    written = 0
    while written < need:
        o.writeframes(data)
        written += len(data) // (params.sampwidth * params.nchannels)
PY
}

piece=${1:-}
if [ -z "$piece" ]; then
    "$ministage" convert tests/fixtures/atrac-pcm/music4s.flac "$work/m.wav"
    "$ministage" convert tests/fixtures/atrac-pcm/voice4s.flac "$work/v.wav"
    python3 - "$work/m.wav" "$work/v.wav" "$work/mv.wav" <<'PY'
import sys, wave
frames = b""
for p in sys.argv[1:3]:
    with wave.open(p) as w:
        params = w.getparams(); frames += w.readframes(w.getnframes())
with wave.open(sys.argv[3], "wb") as o:
    o.setparams(params); o.writeframes(frames)
PY
    repeat_wav "$work/mv.wav" "$work/piece.wav" 300
    piece=$work/piece.wav
fi
seconds=$(python3 -c "import wave,sys; w=wave.open(sys.argv[1]); print(w.getnframes()/w.getframerate())" "$piece")
echo "piece: $piece ($seconds s)"

# Best wall time of $runs runs of a command, in seconds.
best() {
    local best_t="" t
    for _ in $(seq $runs); do
        /usr/bin/time -f "%e" -o "$work/time" taskset -c 0 "$@" >/dev/null 2>&1
        t=$(tail -1 "$work/time")
        if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc -l)" = 1 ]; then best_t=$t; fi
    done
    echo "$best_t"
}

modes=${MODES:-lp2 lp4}
# The output for a mode: ATRAC1 for sp, ATRAC3 otherwise.
out_ext() { if [ "$1" = sp ]; then echo aea; else echo oma; fi; }

for mode in $modes; do
    ext=$(out_ext "$mode")
    ours=$(best "$ministage" convert "$piece" "$work/out.$ext" --mode "$mode")
    line="$mode  ministage ${ours}s ($(echo "$seconds / $ours" | bc -l | xargs printf '%.0f')× real time)"
    if [ -n "$atracdenc" ]; then
        enc=atrac3; [ "$mode" = lp4 ] && enc=atrac3_lp4; [ "$mode" = sp ] && enc=atrac1
        theirs=$(best "$atracdenc" -e "$enc" -i "$piece" -o "$work/theirs.$ext")
        line="$line  atracdenc ${theirs}s ($(echo "$seconds / $theirs" | bc -l | xargs printf '%.0f')× real time)  ratio $(echo "$ours / $theirs" | bc -l | xargs printf '%.2f')"
    fi
    echo "$line"
done

if [ "$rss_minutes" -gt 0 ]; then
    repeat_wav "$piece" "$work/long.wav" $((rss_minutes * 60))
    rm -f "$work"/out.* "$work"/theirs.*
    for mode in $modes; do
        /usr/bin/time -f "%M %e" -o "$work/time" "$ministage" convert "$work/long.wav" "$work/long.$(out_ext "$mode")" --mode "$mode" >/dev/null 2>&1
        rss=$(tail -1 "$work/time")
        echo "$mode  ${rss_minutes}-minute file: peak RSS ${rss%% *} KiB, ${rss##* } s"
    done
fi
