//! A small FLAC encoder for 16-bit PCM: fixed 4096-sample blocks, CONSTANT
//! subframes for silence, FIXED prediction (orders 0-4) with partitioned
//! Rice residuals, and VERBATIM when prediction would not pay.
//!
//! Hand-written rather than taking the `flacenc` crate: that is ~14k lines
//! with five dependencies and a build script, to produce a few seconds of
//! demo audio where compression ratio hardly matters. Side-channel stereo
//! and LPC are deliberately left out for the same reason.
//!
//! STREAMINFO's MD5 is left all-zero, which the format defines as
//! "unknown"; decoders then skip the check.

use std::io;
use std::path::Path;

use super::bits::BitWriter;
use super::crc::{crc8, crc16};
use super::error::{invalid, write_file};
use super::pcm::Pcm;

const BLOCK_SIZE: usize = 4096;
const BITS_PER_SAMPLE: u32 = 16;
const MAX_FIXED_ORDER: usize = 4;
/// Finer partitions than 64 samples rarely pay for their parameter bits.
const MAX_PARTITION_ORDER: u32 = 6;
const SYNC_CODE: u32 = 0b11_1111_1111_1110;

/// Writes `pcm` to `path` as a FLAC file.
pub fn write_flac(path: &Path, pcm: &Pcm) -> io::Result<()> {
    let bytes = encode(pcm).map_err(|why| invalid(path, why))?;
    write_file(path, &bytes)
}

/// The whole FLAC file for `pcm`, or why it cannot be represented.
pub fn encode(pcm: &Pcm) -> Result<Vec<u8>, &'static str> {
    let channels = usize::from(pcm.channels);
    if !(1..=8).contains(&channels) {
        return Err("FLAC carries 1 to 8 channels");
    }
    if pcm.sample_rate == 0 || pcm.sample_rate >= 1 << 20 {
        return Err("sample rate is outside FLAC's 20-bit range");
    }
    if !pcm.samples.len().is_multiple_of(channels) {
        return Err("sample count is not a multiple of the channel count");
    }
    let total = pcm.samples.len() / channels;

    let mut w = BitWriter::with_capacity(pcm.samples.len() + 64);
    let (mut min_frame, mut max_frame) = (usize::MAX, 0);
    let mut scratch = Scratch::default();
    for (number, block) in pcm.samples.chunks(BLOCK_SIZE * channels).enumerate() {
        let start = w.bytes().len();
        let number = u32::try_from(number).map_err(|_| "too many frames")?;
        encode_frame(&mut w, number, block, pcm, &mut scratch);
        let size = w.bytes().len() - start;
        min_frame = min_frame.min(size);
        max_frame = max_frame.max(size);
    }
    if max_frame == 0 {
        min_frame = 0;
    }
    if max_frame >= 1 << 24 || total as u64 >= 1 << 36 {
        return Err("stream too long for STREAMINFO");
    }

    let mut out = BitWriter::with_capacity(42);
    out.put_bytes(b"fLaC");
    // The only metadata block, so it carries the "last block" flag.
    out.put(1, 1);
    out.put(0, 7); // STREAMINFO
    out.put(34, 24);
    out.put(BLOCK_SIZE as u32, 16);
    out.put(BLOCK_SIZE as u32, 16);
    out.put(min_frame as u32, 24);
    out.put(max_frame as u32, 24);
    out.put(pcm.sample_rate, 20);
    out.put(channels as u32 - 1, 3);
    out.put(BITS_PER_SAMPLE - 1, 5);
    out.put((total as u64 >> 32) as u32, 4);
    out.put(total as u32, 32);
    out.put_bytes(&[0; 16]);
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&w.into_bytes());
    Ok(bytes)
}

/// Buffers reused across frames so encoding allocates once per file.
#[derive(Default)]
struct Scratch {
    channel: Vec<i32>,
    residual: Vec<i32>,
}

fn encode_frame(w: &mut BitWriter, number: u32, block: &[i16], pcm: &Pcm, s: &mut Scratch) {
    let channels = usize::from(pcm.channels);
    let len = block.len() / channels;
    let start = w.bytes().len();

    w.put(SYNC_CODE, 14);
    w.put(0, 1); // reserved
    w.put(0, 1); // fixed block size, so the header counts frames, not samples
    let (size_code, size_extra) = block_size_code(len);
    w.put(size_code, 4);
    w.put(sample_rate_code(pcm.sample_rate), 4);
    w.put(channels as u32 - 1, 4); // independent channels
    w.put(0b100, 3); // 16 bits per sample
    w.put(0, 1); // reserved
    put_utf8(w, number);
    if let Some((value, bits)) = size_extra {
        w.put(value, bits);
    }
    let header_crc = crc8(&w.bytes()[start..]);
    w.put(u32::from(header_crc), 8);

    s.channel.resize(len, 0);
    for c in 0..channels {
        let plane = &mut s.channel[..len];
        let mut i = 0;
        while i < len {
            plane[i] = i32::from(block[i * channels + c]);
            i += 1;
        }
        encode_subframe(w, plane, &mut s.residual);
    }
    w.align();
    let frame_crc = crc16(&w.bytes()[start..]);
    w.put(u32::from(frame_crc), 16);
}

fn encode_subframe(w: &mut BitWriter, x: &[i32], residual: &mut Vec<i32>) {
    // Subframe header byte: zero pad bit, 6-bit type, no wasted bits.
    if is_constant(x) {
        w.put(0b0000_0000, 8); // CONSTANT
        w.put_signed(x[0], BITS_PER_SAMPLE);
        return;
    }
    let order = best_fixed_order(x);
    fixed_residual(x, order, residual);
    let plan = RicePlan::choose(residual, x.len(), order);
    let fixed_bits = (order as u64) * u64::from(BITS_PER_SAMPLE) + plan.bits;
    if fixed_bits >= x.len() as u64 * u64::from(BITS_PER_SAMPLE) {
        w.put(0b0000_0010, 8); // VERBATIM
        for &v in x {
            w.put_signed(v, BITS_PER_SAMPLE);
        }
        return;
    }
    w.put(0b0001_0000 | (order as u32) << 1, 8); // FIXED, type 001ooo
    for &v in &x[..order] {
        w.put_signed(v, BITS_PER_SAMPLE);
    }
    plan.write(w, residual);
}

// The per-sample loops below are plain `while` loops over slices because
// the demo library is generated in debug builds too, where iterator
// adaptors and closures cost a function call each per sample.

fn is_constant(x: &[i32]) -> bool {
    let mut i = 1;
    while i < x.len() {
        if x[i] != x[0] {
            return false;
        }
        i += 1;
    }
    true
}

/// The fixed predictor order whose residual has the smallest absolute sum.
/// All orders are measured from sample 4 on so they compare like with like.
fn best_fixed_order(x: &[i32]) -> usize {
    if x.len() <= MAX_FIXED_ORDER {
        return 0;
    }
    // Order k's residual is the k-th difference, so each is one subtraction
    // away from the previous order's at the same position. The loop starts
    // from the differences of orders 0-3 at sample 3.
    let (mut d0, mut d1) = (x[3], x[3] - x[2]);
    let mut d2 = d1 - (x[2] - x[1]);
    let mut d3 = d2 - ((x[2] - x[1]) - (x[1] - x[0]));
    let mut sums = [0u64; MAX_FIXED_ORDER + 1];
    let mut i = MAX_FIXED_ORDER;
    while i < x.len() {
        let e0 = x[i];
        let e1 = e0 - d0;
        let e2 = e1 - d1;
        let e3 = e2 - d2;
        let e4 = e3 - d3;
        (d0, d1, d2, d3) = (e0, e1, e2, e3);
        sums[0] += abs(e0);
        sums[1] += abs(e1);
        sums[2] += abs(e2);
        sums[3] += abs(e3);
        sums[4] += abs(e4);
        i += 1;
    }
    let mut best = 0;
    for k in 1..=MAX_FIXED_ORDER {
        if sums[k] < sums[best] {
            best = k;
        }
    }
    best
}

#[expect(
    clippy::inline_always,
    reason = "called per sample in the FLAC encoder's inner loop"
)]
#[inline(always)]
fn abs(e: i32) -> u64 {
    (if e < 0 { -i64::from(e) } else { i64::from(e) }) as u64
}

fn fixed_residual(x: &[i32], order: usize, out: &mut Vec<i32>) {
    out.resize(x.len() - order, 0);
    let e = out.as_mut_slice();
    let mut i = order;
    match order {
        0 => e.copy_from_slice(x),
        1 => {
            while i < x.len() {
                e[i - 1] = x[i] - x[i - 1];
                i += 1;
            }
        }
        2 => {
            while i < x.len() {
                e[i - 2] = x[i] - 2 * x[i - 1] + x[i - 2];
                i += 1;
            }
        }
        3 => {
            while i < x.len() {
                e[i - 3] = x[i] - 3 * x[i - 1] + 3 * x[i - 2] - x[i - 3];
                i += 1;
            }
        }
        _ => {
            while i < x.len() {
                e[i - 4] = x[i] - 4 * x[i - 1] + 6 * x[i - 2] - 4 * x[i - 3] + x[i - 4];
                i += 1;
            }
        }
    }
}

use super::bits::zigzag;

/// How to Rice-code one residual: the partition order and each partition's
/// parameter, with the (upper bound) number of bits it will take.
struct RicePlan {
    partition_order: u32,
    params: Vec<u32>,
    bits: u64,
    block_len: usize,
    order: usize,
}

impl RicePlan {
    fn choose(residual: &[i32], block_len: usize, order: usize) -> Self {
        let mut max_order = 0;
        while max_order < MAX_PARTITION_ORDER
            && block_len.is_multiple_of(1 << (max_order + 1))
            && (block_len >> (max_order + 1)) > order
        {
            max_order += 1;
        }
        // Sums of folded residuals per finest partition; coarser levels are
        // merged pairwise, so the residual is scanned only once.
        let parts = 1usize << max_order;
        let part_len = block_len >> max_order;
        let mut sums = vec![0u64; parts];
        let (mut i, mut end) = (0, part_len - order);
        for sum in &mut sums {
            while i < end {
                *sum += u64::from(zigzag(residual[i]));
                i += 1;
            }
            end += part_len;
        }
        let mut best: Option<RicePlan> = None;
        for p in (0..=max_order).rev() {
            let len = block_len >> p;
            let (params, mut bits): (Vec<u32>, u64) = sums.iter().enumerate().fold(
                (Vec::with_capacity(sums.len()), 0),
                |(mut params, bits), (j, &sum)| {
                    let count = if j == 0 { len - order } else { len } as u64;
                    let (k, cost) = best_parameter(sum, count);
                    params.push(k);
                    (params, bits + cost)
                },
            );
            let param_bits = if params.iter().any(|&k| k > 14) { 5 } else { 4 };
            bits += 6 + param_bits * params.len() as u64;
            if best.as_ref().is_none_or(|b| bits < b.bits) {
                best = Some(RicePlan {
                    partition_order: p,
                    params,
                    bits,
                    block_len,
                    order,
                });
            }
            sums = sums.chunks(2).map(|pair| pair.iter().sum()).collect();
        }
        // Unreachable (level 0 always exists), but a plan that loses to
        // VERBATIM is the safe answer.
        best.unwrap_or(RicePlan {
            partition_order: 0,
            params: vec![0],
            bits: u64::MAX,
            block_len,
            order,
        })
    }

    fn write(&self, w: &mut BitWriter, residual: &[i32]) {
        let wide = self.params.iter().any(|&k| k > 14);
        let param_bits = if wide { 5 } else { 4 };
        w.put(u32::from(wide), 2); // RICE or RICE2 coding method
        w.put(self.partition_order, 4);
        let part_len = self.block_len >> self.partition_order;
        let mut rest = residual;
        for (j, &k) in self.params.iter().enumerate() {
            // The warm-up samples stand in for the first partition's start.
            let count = if j == 0 {
                part_len - self.order
            } else {
                part_len
            };
            let (part, tail) = rest.split_at(count);
            rest = tail;
            w.put(k, param_bits);
            w.put_rice(part, k);
        }
    }
}

/// The Rice parameter minimising `count * (k + 1) + sum >> k`, which bounds
/// the exact cost from above, and that cost.
///
/// The cost is convex in k with its real minimum at log2(mean * ln 2), so
/// the best integer lies within one of floor(log2(mean)); checking just
/// those (and 0) keeps this cheap for the 127 partitions tried per subframe.
fn best_parameter(sum: u64, count: u64) -> (u32, u64) {
    let cost = |k: u32| count * u64::from(k + 1) + (sum >> k);
    let mean = sum.checked_div(count).unwrap_or(0);
    let guess = mean.checked_ilog2().unwrap_or(0);
    let mut best = (0, cost(0));
    let mut k = guess.saturating_sub(1).max(1);
    while k <= (guess + 1).min(30) {
        if cost(k) < best.1 {
            best = (k, cost(k));
        }
        k += 1;
    }
    best
}

fn block_size_code(len: usize) -> (u32, Option<(u32, u32)>) {
    match len {
        192 => (1, None),
        576 => (2, None),
        1152 => (3, None),
        2304 => (4, None),
        4608 => (5, None),
        256 => (8, None),
        512 => (9, None),
        1024 => (10, None),
        2048 => (11, None),
        4096 => (12, None),
        8192 => (13, None),
        16384 => (14, None),
        32768 => (15, None),
        // The uncommon size is spelt out (minus one) after the frame number.
        n if n <= 256 => (6, Some((n as u32 - 1, 8))),
        n => (7, Some((n as u32 - 1, 16))),
    }
}

fn sample_rate_code(rate: u32) -> u32 {
    match rate {
        88_200 => 1,
        176_400 => 2,
        192_000 => 3,
        8_000 => 4,
        16_000 => 5,
        22_050 => 6,
        24_000 => 7,
        32_000 => 8,
        44_100 => 9,
        48_000 => 10,
        96_000 => 11,
        // Anything else: "see STREAMINFO".
        _ => 0,
    }
}

/// The frame number in FLAC's UTF-8-like variable-length code.
fn put_utf8(w: &mut BitWriter, value: u32) {
    if value < 0x80 {
        w.put(value, 8);
        return;
    }
    let extra = match value {
        0x80..0x800 => 1,
        0x800..0x1_0000 => 2,
        0x1_0000..0x20_0000 => 3,
        0x20_0000..0x400_0000 => 4,
        _ => 5,
    };
    let lead = (0xFF00u32 >> (extra + 1)) & 0xFF;
    w.put(lead | (value >> (6 * extra)), 8);
    for i in (0..extra).rev() {
        w.put(0x80 | ((value >> (6 * i)) & 0x3F), 8);
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod parameter_tests {
    use super::best_parameter;

    #[test]
    fn shortcut_finds_the_exhaustive_optimum() {
        for count in [1u64, 7, 64, 4096] {
            for sum in (0..200_000u64).step_by(997).chain([u64::from(u32::MAX)]) {
                let exhaustive = (0..=30u32)
                    .map(|k| count * u64::from(k + 1) + (sum >> k))
                    .min()
                    .unwrap_or(0);
                assert_eq!(best_parameter(sum, count).1, exhaustive, "{sum}/{count}");
            }
        }
    }
}
