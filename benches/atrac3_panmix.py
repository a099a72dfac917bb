#!/usr/bin/env python3
"""Makes the stereo-heavy clip of the joint-stereo weighting figures: two clips' mono downmixes,
each panned part-way to its side (A: left 0.6 / right 0.18, B: left 0.15 / right 0.55).

Usage: benches/atrac3_panmix.py A.wav B.wav OUT.wav   (44.1 kHz 16-bit stereo WAVs)
The figures used A = hr3-jungle, B = hr-domina-mountain (see atrac3_results.md).
"""
import sys, wave

import numpy as np


def mono(path):
    with wave.open(path) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels())
    return x.astype(np.float64).mean(axis=1)


def main():
    a, b, out = sys.argv[1:4]
    x, y = mono(a), mono(b)
    n = min(len(x), len(y))
    left = 0.6 * x[:n] + 0.15 * y[:n]
    right = 0.18 * x[:n] + 0.55 * y[:n]
    pcm = np.clip(np.rint(np.stack([left, right], axis=1)), -32768, 32767).astype("<i2")
    with wave.open(out, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(44100)
        w.writeframes(pcm.tobytes())


main()
