#!/usr/bin/env python3
"""ViSQOL v3 (audio mode) and SNR of ministage's ATRAC3 and ATRAC1 encoders beside atracdenc's,
on the same clips.

Usage: benches/atrac3_quality.py (--ministage PATH | --ours CMD) --atracdenc PATH
       [--modes lp2,lp4,sp] CLIP.wav...

ministage encodes with `PATH convert IN.wav OUT.oma --mode MODE` (OUT.aea for `sp`, ATRAC1); or
CMD is run as `CMD IN.wav OUT.oma MODE` (e.g. `target/release/examples/atrac3_encode`). Every
encode is decoded by FFmpeg 8 (PyAV; /work/shared/tools/decode_av.py) and scored against the
clip by /work/shared/tools/visqol_score.py, which aligns delay and polarity first; the SNR is
taken over both channels at that alignment. Needs `pip install visqol-python scipy numpy av`.
Prints one line per clip and mode, then the means.
"""
import argparse, os, re, shlex, statistics, subprocess, sys, tempfile, wave

import numpy as np

TOOLS = os.environ.get("ATRAC_TOOLS", "/work/shared/tools")
ATRACDENC_MODE = {"lp2": "atrac3", "lp4": "atrac3_lp4", "sp": "atrac1"}


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def score(ref, decoded):
    """(MOS-LQO, lag, sign) of each decoded file."""
    out = subprocess.run([sys.executable, f"{TOOLS}/visqol_score.py", ref, *decoded],
                         check=True, capture_output=True, text=True).stdout
    found = [re.search(r"lag=(-?[0-9]+)\tsign=(-?[0-9]+)\tmoslqo=([0-9.]+)", line) for line in out.splitlines()]
    return [(float(m.group(3)), int(m.group(1)), int(m.group(2))) for m in found if m]


def pcm(path):
    with wave.open(path) as w:
        return np.frombuffer(w.readframes(w.getnframes()), "<i2").reshape(-1, w.getnchannels()).astype(np.float64)


def snr(ref, decoded, lag, sign):
    """SNR (dB) of a decode delayed by `lag` samples, over every channel."""
    x, y = pcm(ref), sign * pcm(decoded)[lag:]
    n = min(len(x), len(y))
    err = x[:n] - y[:n, : x.shape[1]]
    return 10 * np.log10(np.sum(x[:n] ** 2) / max(np.sum(err ** 2), 1e-9))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", help="CMD run as `CMD IN.wav OUT.oma MODE`")
    ap.add_argument("--ministage", help="a ministage binary: `ministage convert IN.wav OUT.oma --mode MODE`")
    ap.add_argument("--atracdenc")
    ap.add_argument("--modes", default="lp2,lp4")
    ap.add_argument("clips", nargs="+")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="atrac3-quality-")
    results = {}
    for clip in a.clips:
        name = os.path.splitext(os.path.basename(clip))[0]
        for mode in a.modes.split(","):
            decoded, labels = [], []
            ext = "aea" if mode == "sp" else "oma"
            ours = f"{work}/{name}.{mode}.ours.{ext}"
            if a.ministage:
                run([a.ministage, "convert", clip, ours, "--mode", mode])
            else:
                run([*shlex.split(a.ours), clip, ours, mode])
            labels.append("ours")
            decoded.append(ours)
            if a.atracdenc:
                theirs = f"{work}/{name}.{mode}.atracdenc.{ext}"
                run([a.atracdenc, "-e", ATRACDENC_MODE[mode], "-i", clip, "-o", theirs])
                labels.append("atracdenc")
                decoded.append(theirs)
            wavs = []
            for f in decoded:
                wav = f + ".wav"
                run([sys.executable, f"{TOOLS}/decode_av.py", f, wav])
                wavs.append(wav)
            scores = [(mos, snr(clip, wav, lag, sign)) for (mos, lag, sign), wav in zip(score(clip, wavs), wavs)]
            for label, s in zip(labels, scores):
                results.setdefault((mode, label), []).append(s)
            print(f"{name}\t{mode}\t" + "\t".join(f"{l}={m:.3f} ({d:.1f} dB)" for l, (m, d) in zip(labels, scores)), flush=True)
    for (mode, label), s in sorted(results.items()):
        mos = statistics.mean(m for m, _ in s)
        db = statistics.mean(d for _, d in s)
        print(f"mean\t{mode}\t{label}={mos:.3f} ({db:.1f} dB)\t(n={len(s)})")


main()
