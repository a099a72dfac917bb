#!/usr/bin/env python3
"""Pre-echo on a castanet-like transient and pure tones: ministage's ATRAC3 and ATRAC1 encoders
beside atracdenc.

Usage: benches/atrac3_signals.py (--ministage PATH | --ours CMD) [--atracdenc PATH]
       [--modes lp2,lp4,sp]

See atrac3_quality.py for the two ways of naming our encoder. Every encode is decoded by
FFmpeg 8 (PyAV) and aligned to the input (delay and polarity, by cross-correlation).

- Castanets: clicks of damped 2–6 kHz noise (3 ms attack, 15 ms decay) every 0.35 s over
  silence at −60 dBFS noise, in each mode. Pre-echo = energy of the decoded signal in the 20 ms
  before each click over the click's energy (dB; lower is better; the input's own is printed).
- Tones: a 1 kHz sine at −6 dBFS for 10 s, and a 12 kHz one over white noise at −50 dBFS, in
  each mode. `sp` (ATRAC1) is written to .aea, the LP modes to .oma. SNR (dB) and warble: the standard deviation of the tone's level over 10 ms
  windows (dB; the input's is ~0).
Needs `pip install numpy scipy av`.
"""
import argparse, os, shlex, subprocess, sys, tempfile, wave
import numpy as np

RATE = 44100
ATRACDENC_MODE = {"lp2": "atrac3", "lp4": "atrac3_lp4", "sp": "atrac1"}


def ext(mode):
    return "aea" if mode == "sp" else "oma"


def write(path, x):
    y = np.clip(np.rint(x * 32767), -32768, 32767).astype("<i2")
    with wave.open(path, "wb") as w:
        w.setnchannels(2); w.setsampwidth(2); w.setframerate(RATE)
        w.writeframes(np.repeat(y[:, None], 2, axis=1).tobytes())


def decode(path):
    import av
    c = av.open(path); s = c.streams.audio[0]; out = []
    for f in c.decode(s):
        a = f.to_ndarray(); a = a.T if f.format.is_planar else a.reshape(-1, s.channels)
        out.append(a.astype(np.float64))
    return np.concatenate(out).mean(axis=1)


def align(ref, dec):
    best = None
    for lag in range(0, 3000):
        seg = dec[lag:lag + len(ref)]
        if len(seg) < len(ref):
            break
        c = float(np.dot(seg[::7], ref[::7]))
        if best is None or abs(c) > abs(best[1]):
            best = (lag, c)
    lag, c = best
    return np.sign(c) * dec[lag:lag + len(ref)]


def castanets(seconds=7.0, seed=1):
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    x = rng.standard_normal(n) * 10 ** (-60 / 20)
    onsets = []
    t = int(0.5 * RATE) + 123
    from scipy.signal import butter, lfilter
    b, a = butter(4, [2000 / (RATE / 2), 6000 / (RATE / 2)], "band")
    while t + int(0.05 * RATE) < n:
        m = int(0.04 * RATE)
        env = np.minimum(np.arange(m) / (0.003 * RATE), 1.0) * np.exp(-np.arange(m) / (0.015 * RATE))
        burst = lfilter(b, a, rng.standard_normal(m)) * env
        x[t:t + m] += 0.8 * burst / np.max(np.abs(burst))
        onsets.append(t)
        t += int(0.35 * RATE) + int(rng.integers(0, 400))
    return x, onsets


def pre_echo(x, y, onsets):
    w = int(0.02 * RATE)
    ratios = []
    for t in onsets:
        pre = np.sum(y[t - w:t] ** 2)
        click = np.sum(x[t:t + w] ** 2)
        ratios.append(10 * np.log10(max(pre, 1e-20) / click))
    return float(np.mean(ratios))


def tone(hz=1000, seconds=10.0, noise_db=None):
    n = int(seconds * RATE)
    x = 0.5 * np.sin(2 * np.pi * hz * np.arange(n) / RATE)
    if noise_db is not None:
        x += np.random.default_rng(3).standard_normal(n) * 10 ** (noise_db / 20)
    return x


def tone_figures(x, y):
    core = slice(RATE, len(x) - RATE)
    snr = 10 * np.log10(np.sum(x[core] ** 2) / np.sum((x[core] - y[core]) ** 2))
    w = int(0.01 * RATE)
    seg = y[core][: (len(y[core]) // w) * w].reshape(-1, w)
    level = 10 * np.log10(np.mean(seg ** 2, axis=1))
    return snr, float(np.std(level))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ours", help="CMD run as `CMD IN.wav OUT.oma MODE`")
    ap.add_argument("--ministage", help="a ministage binary: `ministage convert IN.wav OUT.oma --mode MODE`")
    ap.add_argument("--atracdenc")
    ap.add_argument("--modes", default="lp2,lp4")
    a = ap.parse_args()
    modes = a.modes.split(",")
    work = tempfile.mkdtemp(prefix="atrac3-signals-")
    if a.ministage:
        encoders = [("ours", lambda i, o, m: [a.ministage, "convert", i, o, "--mode", m])]
    else:
        encoders = [("ours", lambda i, o, m: [*shlex.split(a.ours), i, o, m])]
    if a.atracdenc:
        encoders.append(("atracdenc", lambda i, o, m: [a.atracdenc, "-e", ATRACDENC_MODE[m], "-i", i, "-o", o]))

    x, onsets = castanets()
    src = f"{work}/castanets.wav"; write(src, x)
    print(f"castanets\tinput\tpre-echo={pre_echo(x, x, onsets):.1f} dB")
    for mode in modes:
        for name, cmd in encoders:
            out = f"{work}/castanets.{mode}.{name}.{ext(mode)}"
            subprocess.run(cmd(src, out, mode), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            y = align(x, decode(out))
            print(f"castanets\t{mode}\t{name}\tpre-echo={pre_echo(x, y, onsets):.1f} dB")

    for label, x in [("tone 1 kHz", tone()), ("tone 12 kHz + noise at -50 dBFS", tone(12000, noise_db=-50))]:
        src = f"{work}/tone.wav"; write(src, x)
        for mode in modes:
            for name, cmd in encoders:
                out = f"{work}/tone.{mode}.{name}.{ext(mode)}"
                subprocess.run(cmd(src, out, mode), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                snr, warble = tone_figures(x, align(x, decode(out)))
                print(f"{label}\t{mode}\t{name}\tSNR={snr:.1f} dB\twarble={warble:.2f} dB")


main()
