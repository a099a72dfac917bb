"""Writes the interop script's inputs into the folder given: frames.mp3, MPEG-1 Layer III
frames at 128 kbps and 44.1 kHz with varied bodies (CBR, as mp3 mode wants), and
samples.wav, two seconds of 16-bit stereo at 44.1 kHz."""

import math
import struct
import sys
from pathlib import Path

out = Path(sys.argv[1])

frames = bytearray()
for i in range(300):
    padded = i % 2
    frames += bytes([0xFF, 0xFB, 0x90 | padded << 1, 0x44])
    frames += bytes((i * 7 + j) % 256 for j in range(4, 417 + padded))
(out / "frames.mp3").write_bytes(frames)

rate, seconds = 44100, 2
samples = bytearray()
for n in range(rate * seconds):
    left = int(12000 * math.sin(2 * math.pi * 440 * n / rate))
    right = int(9000 * math.sin(2 * math.pi * 660 * n / rate + 1))
    samples += struct.pack("<hh", left, right)
header = b"RIFF" + struct.pack("<I", 36 + len(samples)) + b"WAVE"
header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, rate, rate * 4, 4, 16)
header += b"data" + struct.pack("<I", len(samples))
(out / "samples.wav").write_bytes(header + samples)
