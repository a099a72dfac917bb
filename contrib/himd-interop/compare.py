"""Compares himdcli's dumps in the folder given with what the interop script sent: stream.mp3
with frames.mp3, lp2.oma's ATRAC3 frames with the .at3 file's data chunk, at3p.oma's frames
with the ATRAC3plus file's, and stream.pcm (or
whatever PCM dump himdcli wrote) with samples.wav's samples, big-endian."""

import struct
import sys
from pathlib import Path

work, at3, at3p = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
failed = False


def check(name, ok, detail):
    global failed
    print(f"{name}: {'same' if ok else 'DIFFERENT'} ({detail})")
    failed |= not ok


def riff_data(path):
    b = path.read_bytes()
    at = 12
    while at + 8 <= len(b):
        kind, size = b[at : at + 4], struct.unpack("<I", b[at + 4 : at + 8])[0]
        if kind == b"data":
            return b[at + 8 : at + 8 + size]
        at += 8 + size + (size & 1)
    raise SystemExit(f"no data chunk in {path}")


def skip_id3(b):
    if b[:3] == b"ID3":
        size = (b[6] << 21) | (b[7] << 14) | (b[8] << 7) | b[9]
        return b[10 + size :]
    return b


mp3 = skip_id3((work / "stream.mp3").read_bytes())
sent = (work / "frames.mp3").read_bytes()
check("MP3 (track 1)", mp3 == sent, f"{len(mp3)} bytes dumped, {len(sent)} sent")

oma = (work / "lp2.oma").read_bytes()
frames = riff_data(at3)
check(
    "LP2 (track 2)",
    len(oma) > len(frames) and oma[-len(frames) :] == frames,
    f"{len(oma) - len(frames)}-byte header, {len(frames)} bytes of frames sent",
)

def oma_frames(path):
    """An OMA file's frames: after its ea3 tag (syncsafe size) and the 96-byte EA3 header."""
    b = path.read_bytes()
    if b[:3] == b"ea3":
        size = (b[6] << 21) | (b[7] << 14) | (b[8] << 7) | b[9]
        b = b[10 + size :]
    if b[:3] != b"EA3":
        raise SystemExit(f"no EA3 header in {path}")
    return b[96:]


plus = (work / "at3p.oma").read_bytes()
frames = oma_frames(at3p)
check(
    "ATRAC3plus (track 4)",
    len(plus) > len(frames) and plus[-len(frames) :] == frames,
    f"{len(plus) - len(frames)}-byte header, {len(frames)} bytes of frames sent",
)

dumps = [p for p in work.glob("stream.*") if p.suffix not in (".mp3", ".oma")]
if len(dumps) != 1:
    raise SystemExit(f"himdcli left no single PCM dump: {[p.name for p in dumps]}")
pcm = dumps[0].read_bytes()
samples = riff_data(work / "samples.wav")
big = bytearray(len(samples))
big[0::2], big[1::2] = samples[1::2], samples[0::2]
# The disc holds whole frames of 16 samples: the last is padded with silence.
check(
    f"PCM (track 3, {dumps[0].name})",
    pcm[: len(big)] == big and not any(pcm[len(big) :]),
    f"{len(pcm)} bytes dumped, {len(big)} sent",
)
sys.exit(1 if failed else 0)
