#!/usr/bin/env bash
# Sends a 10-track FLAC album to a virtual deck in LP2 and in LP4 (encoded by ministage on the
# way, gapless) and a 74-minute track in LP2, with `device send`, timing each and reading the
# peak RSS. The encoder runs on a thread ahead of the USB writes (and the deck's decryption), so
# both cores are busy; the target is ≥ 100× real time for LP2.
#
#   benches/send_album.sh [MUSIC_FILE] [TRACK_SECONDS] [LONG_MINUTES]
#
# MUSIC_FILE: any file ffmpeg reads (default: the music fixture source); it is looped and cut
# into 10 tracks of TRACK_SECONDS (default 180) with album and track tags. Needs ffmpeg (to write
# the FLACs) and /usr/bin/time. Prints wall seconds, × real time, CPU use and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --quiet --bin ministage
ministage=$(realpath "${CARGO_TARGET_DIR:-target}/release/ministage")
music=${1:-tests/fixtures/atrac-pcm/music4s.flac}
track_seconds=${2:-180}
long_minutes=${3:-74}

base=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && base=/dev/shm
work=$(mktemp -d "$base/ministage-send-album.XXXXXX")
trap 'rm -rf "$work"' EXIT

mkdir "$work/album"
for n in $(seq 1 10); do
    ffmpeg -v error -stream_loop -1 -i "$music" -ss $(( (n - 1) * 7 )) -t "$track_seconds" \
        -ar 44100 -ac 2 -metadata album="Bench Album" -metadata artist="Bench" \
        -metadata title="Track $n" -metadata track="$n" "$work/album/$(printf %02d "$n").flac"
done
album_seconds=$(( 10 * track_seconds ))

# send MODE SECONDS FILE...: a fresh 80-minute virtual disc, then one timed `device send`.
send() {
    local mode=$1 seconds=$2
    shift 2
    rm -rf "$work/disc.json" "$work/disc.json.audio"
    "$ministage" device init-virtual "$work/disc.json" >/dev/null
    /usr/bin/time -f "%e %P %M" -o "$work/time" \
        "$ministage" --device "virtual:$work/disc.json" device send --mode "$mode" "$@" \
        >/dev/null 2>"$work/stderr" || { cat "$work/stderr"; exit 1; }
    read -r wall cpu rss <"$work/time"
    python3 - "$mode" "$seconds" "$wall" "$cpu" "$rss" "$#" <<'PY'
import sys
mode, seconds, wall, cpu, rss, files = sys.argv[1:]
seconds, wall = float(seconds), float(wall)
print(f"{mode}: {files} file(s), {seconds / 60:.1f} min of audio in {wall:.2f} s = "
      f"{seconds / wall:.0f}x real time, CPU {cpu}, peak RSS {int(rss) / 1024:.1f} MB")
PY
}

echo "album: 10 x ${track_seconds} s FLAC from $music"
send lp2 "$album_seconds" "$work"/album/*.flac
send lp4 "$album_seconds" "$work"/album/*.flac

# One long track, for memory that stays flat with length.
ffmpeg -v error -stream_loop -1 -i "$music" -t $(( long_minutes * 60 )) -ar 44100 -ac 2 \
    "$work/long.flac"
echo "long: one ${long_minutes}-minute FLAC"
send lp2 $(( long_minutes * 60 )) "$work/long.flac"
