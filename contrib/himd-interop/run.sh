#!/usr/bin/env bash
# Checks Hi-MD images ministage writes with himdcli (Debian's minidisc-utils, linux-minidisc's
# independent implementation). Builds ministage unless $MINISTAGE names a binary, makes a blank
# image with `device init-virtual --himd`, sends an MP3, an LP4 track, an LP2 track, a PCM
# track and an ATRAC3plus file, deletes the LP4 one (from the middle, so its clusters are cut out of ATDATA), renames
# and groups, copies the image's files out with mtools, and has himdcli list the tracks and dump
# their audio, which must be what was sent: the MP3 frames, the ATRAC3 frames of the .at3 file,
# the PCM samples big-endian.
# Needs himdcli, mtools (mcopy) and python3; not part of scripts/test.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=$(realpath -m "${CARGO_TARGET_DIR:-$repo/target}")

for tool in himdcli mcopy python3; do
    command -v "$tool" >/dev/null || {
        echo "run.sh needs $tool (packages minidisc-utils, mtools, python3)" >&2
        exit 1
    }
done
if [[ -z ${MINISTAGE:-} ]]; then
    (cd "$repo" && cargo build --quiet --bin ministage)
    MINISTAGE=$target/debug/ministage
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A home of its own: the user's library and settings are not touched.
export XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_STATE_HOME=$work/state
unset MINISTAGE_DEVICE MINISTAGE_LIBRARY MINISTAGE_CONFIG MINISTAGE_VIRTUAL_FAULTS
image=$work/himd.img
fail() {
    echo "himd-interop: $*" >&2
    exit 1
}
ms() { "$MINISTAGE" --library "$work/lib.sqlite3" "$@" --device "virtual:$image"; }

# The inputs: MPEG-1 Layer III frames (128 kbps, 44.1 kHz) and a 16-bit stereo WAV, both made
# here; the ATRAC3 files are the repository's fixtures.
python3 "$here/inputs.py" "$work"
lp2=$repo/tests/fixtures/atrac/music4s_lp2.at3
lp4=$repo/tests/fixtures/atrac/music4s_lp4.at3
at3p=$repo/tests/fixtures/atrac/music4s_at3p.oma

"$MINISTAGE" device init-virtual "$image" --himd --minutes 74
ms device send --mode mp3 --title "Interop MP3" "$work/frames.mp3"
ms device send --mode lp4 --title "Going away" "$lp4"
ms device send --mode lp2 --title "Interop LP2" "$lp2"
ms device send --mode pcm --title "Interop PCM" "$work/samples.wav"
# An ATRAC3plus file goes as it is in auto.
ms device send --mode auto --title "Interop AT3+" "$at3p"
ms device delete 2
ms device rename 1 "Interop MP3, renamed"
ms device group create 2 3 "Pair"
ms device info

if command -v fsck.fat >/dev/null; then
    fsck.fat -n "$image" >/dev/null || fail "fsck.fat -n finds faults in the image"
fi

root=$work/root
mkdir -p "$root"
export MTOOLS_SKIP_CHECK=1
mcopy -s -i "$image" ::/HMDHIFI ::/HI-MD.IND "$root/"
echo "himdcli tracks:"
himdcli "$root" tracks verbose | tee "$work/tracks.txt"
echo "himdcli strings:"
himdcli "$root" strings | tee "$work/strings.txt"

# himdcli numbers tracks by their slot; the order it lists them in is the play order.
mapfile -t listed < <(grep -E '^ +[0-9]+: ' "$work/tracks.txt")
((${#listed[@]} == 4)) || fail "himdcli lists ${#listed[@]} tracks, not 4"
[[ ${listed[0]} =~ " MPEG ".*"Interop MP3, renamed" ]] || fail "the first track is not the MP3"
[[ ${listed[1]} =~ " AT3 ".*"Interop LP2" ]] || fail "the second track is not the LP2 one"
[[ ${listed[2]} =~ " LPCM ".*"Interop PCM" ]] || fail "the third track is not the PCM one"
[[ ${listed[3]} =~ " AT3+ ".*"Interop AT3+" ]] || fail "the fourth track is not the ATRAC3plus one"
grep -q 'Going away' "$work/strings.txt" && fail "the deleted track's title is still there"
grep -q 'Pair' "$work/strings.txt" || fail "the group's title is not there"

# himdcli writes its dumps into the current folder, and names tracks by slot.
slot() { local n=${listed[$1]%%:*}; echo "${n// /}"; }
cd "$work"
himdcli "$root" dumpmp3 "$(slot 0)" >/dev/null
himdcli "$root" dumpnonmp3 "$(slot 1)" >/dev/null
mv stream.oma lp2.oma
himdcli "$root" dumpnonmp3 "$(slot 3)" >/dev/null
mv stream.oma at3p.oma
himdcli "$root" dumpnonmp3 "$(slot 2)" >/dev/null
python3 "$here/compare.py" "$work" "$lp2" "$at3p"
echo "himd-interop: himdcli reads ministage's image: 4 tracks in order, titles, codecs and audio as sent"
