#!/usr/bin/env python3
"""ViSQOL v3 (audio mode) of ministage's ATRAC3 encoder beside atracdenc's, on the same clips.

Usage: benches/atrac3_quality.py (--ministage PATH | --ours CMD) --atracdenc PATH
       [--modes lp2,lp4] CLIP.wav...

ministage encodes with `PATH convert IN.wav OUT.oma --mode MODE`; or CMD is run as
`CMD IN.wav OUT.oma MODE` (e.g. `target/release/examples/atrac3_encode`). Every encode is
decoded by FFmpeg 8 (PyAV; /work/shared/tools/decode_av.py) and scored against the clip by
/work/shared/tools/visqol_score.py, which aligns delay and polarity first. Needs
`pip install visqol-python scipy numpy av`. Prints one line per clip and mode, then the means.
"""
import argparse, os, re, shlex, statistics, subprocess, sys, tempfile

TOOLS = os.environ.get("ATRAC_TOOLS", "/work/shared/tools")
ATRACDENC_MODE = {"lp2": "atrac3", "lp4": "atrac3_lp4"}


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def score(ref, decoded):
    out = subprocess.run([sys.executable, f"{TOOLS}/visqol_score.py", ref, *decoded],
                         check=True, capture_output=True, text=True).stdout
    return [float(re.search(r"moslqo=([0-9.]+)", line).group(1)) for line in out.splitlines() if "moslqo=" in line]


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
            ours = f"{work}/{name}.{mode}.ours.oma"
            if a.ministage:
                run([a.ministage, "convert", clip, ours, "--mode", mode])
            else:
                run([*shlex.split(a.ours), clip, ours, mode])
            labels.append("ours")
            decoded.append(ours)
            if a.atracdenc:
                theirs = f"{work}/{name}.{mode}.atracdenc.oma"
                run([a.atracdenc, "-e", ATRACDENC_MODE[mode], "-i", clip, "-o", theirs])
                labels.append("atracdenc")
                decoded.append(theirs)
            wavs = []
            for f in decoded:
                wav = f + ".wav"
                run([sys.executable, f"{TOOLS}/decode_av.py", f, wav])
                wavs.append(wav)
            scores = score(clip, wavs)
            for label, s in zip(labels, scores):
                results.setdefault((mode, label), []).append(s)
            print(f"{name}\t{mode}\t" + "\t".join(f"{l}={s:.3f}" for l, s in zip(labels, scores)), flush=True)
    for (mode, label), s in sorted(results.items()):
        print(f"mean\t{mode}\t{label}={statistics.mean(s):.3f}\t(n={len(s)})")


main()
