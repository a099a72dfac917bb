//! Gain-control data of a channel unit: per subband up to seven points, each a level code
//! (gain 2^(6 − level)) and a location in steps of four samples. The point counts, levels
//! and locations each have four coding modes; the second channel of a pair is usually coded
//! against the first.

use super::SUBBANDS;
use super::unit::{Parse, UnitParams};
use super::vlc::Codebooks;
use crate::bits::BitReader;
use crate::gain::GainInfo;

/// Decodes the gain control of every channel of `unit` into its current history slot.
pub(super) fn decode(r: &mut BitReader<'_>, unit: &mut UnitParams, books: &Codebooks) -> Parse<()> {
    let cur = unit.cur;
    for ch in 0..unit.num_channels() {
        let (first, second) = unit.channels.split_at_mut(1);
        let master = first[0].gain[cur];
        let chan = if ch == 0 {
            &mut first[0]
        } else {
            &mut second[0]
        };
        let gains = &mut chan.gain[cur];
        *gains = [GainInfo::default(); SUBBANDS];
        if !r.bit() {
            chan.num_gain_subbands = 0;
            continue;
        }
        let coded = r.read(4) as usize + 1;
        chan.num_gain_subbands = if r.bit() {
            r.read(4) as usize + 1
        } else {
            coded
        };
        let slave = (ch != 0).then_some(&master);
        let coded_gains = &mut gains[..coded];
        num_points(r, books, coded_gains, slave)?;
        levels(r, books, coded_gains, slave)?;
        locations(r, books, coded_gains, slave)?;
        // High subbands may repeat the last coded one.
        for sb in coded..chan.num_gain_subbands {
            gains[sb] = gains[sb - 1];
        }
    }
    Ok(())
}

/// Point counts; `master` is the first channel's data when decoding the second.
fn num_points(
    r: &mut BitReader<'_>,
    books: &Codebooks,
    gains: &mut [GainInfo],
    master: Option<&[GainInfo; SUBBANDS]>,
) -> Parse<()> {
    let np = |g: &GainInfo| g.num_points;
    match (r.read(2), master) {
        (0, _) => {
            for g in gains.iter_mut() {
                g.num_points = r.read(3) as usize;
            }
        }
        (1, _) => {
            for g in gains.iter_mut() {
                g.num_points = usize::from(books.gain[0].decode(r));
            }
        }
        (2, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                g.num_points = (np(m) + usize::from(books.gain[1].decode(r))) & 7;
            }
        }
        (2, None) => {
            gains[0].num_points = usize::from(books.gain[0].decode(r));
            for sb in 1..gains.len() {
                gains[sb].num_points =
                    (gains[sb - 1].num_points + usize::from(books.gain[1].decode(r))) & 7;
            }
        }
        (_, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                g.num_points = m.num_points;
            }
        }
        (_, None) => {
            let delta_bits = r.read(2);
            let min_val = r.read(3) as usize;
            for g in gains.iter_mut() {
                g.num_points = min_val + r.read(delta_bits) as usize;
                if g.num_points > 7 {
                    return Err("too many gain control points");
                }
            }
        }
    }
    Ok(())
}

/// The level of point `i` of `g`, or 7 where it has no such point (the prediction of
/// deltas coded against another subband or channel).
fn level_or_7(g: &GainInfo, i: usize) -> u8 {
    if i < g.num_points { g.level[i] } else { 7 }
}

/// Levels: the first coded directly, the rest as VLC deltas to the previous.
fn levels_delta_to_previous(r: &mut BitReader<'_>, books: &Codebooks, g: &mut GainInfo) {
    if g.num_points > 0 {
        g.level[0] = books.gain[2].decode(r);
    }
    for i in 1..g.num_points {
        g.level[i] = (g.level[i - 1] + books.gain[3].decode(r)) & 0xF;
    }
}

/// The first channel's levels, 7 where it has fewer points.
fn levels_from_master(g: &mut GainInfo, m: &GainInfo) {
    for i in 0..g.num_points {
        g.level[i] = level_or_7(m, i);
    }
}

fn levels(
    r: &mut BitReader<'_>,
    books: &Codebooks,
    gains: &mut [GainInfo],
    master: Option<&[GainInfo; SUBBANDS]>,
) -> Parse<()> {
    match (r.read(2), master) {
        (0, _) => {
            for g in gains.iter_mut() {
                for i in 0..g.num_points {
                    g.level[i] = r.read(4) as u8;
                }
            }
        }
        (1, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                for i in 0..g.num_points {
                    g.level[i] = (level_or_7(m, i) + books.gain[5].decode(r)) & 0xF;
                }
            }
        }
        (1, None) => {
            for g in gains.iter_mut() {
                levels_delta_to_previous(r, books, g);
            }
        }
        (2, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                if g.num_points > 0 {
                    if r.bit() {
                        levels_delta_to_previous(r, books, g);
                    } else {
                        levels_from_master(g, m);
                    }
                }
            }
        }
        (2, None) => {
            levels_delta_to_previous(r, books, &mut gains[0]);
            for sb in 1..gains.len() {
                let (before, rest) = gains.split_at_mut(sb);
                let (prev, g) = (&before[sb - 1], &mut rest[0]);
                for i in 0..g.num_points {
                    g.level[i] = (level_or_7(prev, i) + books.gain[4].decode(r)) & 0xF;
                }
            }
        }
        (_, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                levels_from_master(g, m);
            }
        }
        (_, None) => {
            let delta_bits = r.read(2);
            let min_val = r.read(4);
            for g in gains.iter_mut() {
                for i in 0..g.num_points {
                    let v = min_val + r.read(delta_bits);
                    if v > 15 {
                        return Err("gain level out of range");
                    }
                    g.level[i] = v as u8;
                }
            }
        }
    }
    Ok(())
}

/// Stores a location code; values past 31 are kept as "past 31" so validation rejects them.
fn set_location(g: &mut GainInfo, i: usize, v: usize) {
    g.location[i] = v.min(255) as u8;
}

/// Location of point `i`, in ascending order: 5 bits, or fewer bits above the previous.
fn location_direct(r: &mut BitReader<'_>, g: &mut GainInfo, i: usize) {
    let prev = if i > 0 {
        usize::from(g.location[i - 1])
    } else {
        0
    };
    let v = if i == 0 || prev < 15 {
        r.read(5) as usize
    } else if prev >= 30 {
        31
    } else {
        let bits = (30 - prev).ilog2() + 1;
        prev + r.read(bits) as usize + 1
    };
    set_location(g, i, v);
}

/// Locations: the first direct, the rest as VLC deltas chosen by the level's direction.
fn locations_delta_to_previous(r: &mut BitReader<'_>, books: &Codebooks, g: &mut GainInfo) {
    if g.num_points == 0 {
        return;
    }
    set_location(g, 0, r.read(5) as usize);
    for i in 1..g.num_points {
        let vlc = if g.level[i] <= g.level[i - 1] {
            &books.gain[7]
        } else {
            &books.gain[9]
        };
        let v = usize::from(g.location[i - 1]) + usize::from(vlc.decode(r));
        set_location(g, i, v);
    }
}

fn locations(
    r: &mut BitReader<'_>,
    books: &Codebooks,
    gains: &mut [GainInfo],
    master: Option<&[GainInfo; SUBBANDS]>,
) -> Parse<()> {
    match (r.read(2), master) {
        (0, _) => {
            for g in gains.iter_mut() {
                for i in 0..g.num_points {
                    location_direct(r, g, i);
                }
            }
        }
        (1, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                if g.num_points == 0 {
                    continue;
                }
                // The first: a delta to the first channel's modulo 32.
                let pred = if m.num_points > 0 { m.location[0] } else { 0 };
                let first = (usize::from(pred) + usize::from(books.gain[10].decode(r))) & 0x1F;
                set_location(g, 0, first);
                for i in 1..g.num_points {
                    let more_than_master = i >= m.num_points;
                    if g.level[i] > g.level[i - 1] {
                        // Rising.
                        if more_than_master {
                            let v = usize::from(g.location[i - 1])
                                + usize::from(books.gain[9].decode(r));
                            set_location(g, i, v);
                        } else if r.bit() {
                            location_direct(r, g, i);
                        } else {
                            g.location[i] = m.location[i];
                        }
                    } else if more_than_master {
                        let v =
                            usize::from(g.location[i - 1]) + usize::from(books.gain[7].decode(r));
                        set_location(g, i, v);
                    } else {
                        let v = (usize::from(m.location[i])
                            + usize::from(books.gain[10].decode(r)))
                            & 0x1F;
                        set_location(g, i, v);
                    }
                }
            }
        }
        (1, None) => {
            for g in gains.iter_mut() {
                locations_delta_to_previous(r, books, g);
            }
        }
        (2, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                if g.num_points == 0 {
                    continue;
                }
                if g.num_points > m.num_points || r.bit() {
                    locations_delta_to_previous(r, books, g);
                } else {
                    let n = g.num_points;
                    g.location[..n].copy_from_slice(&m.location[..n]);
                }
            }
        }
        (2, None) => {
            for i in 0..gains[0].num_points {
                location_direct(r, &mut gains[0], i);
            }
            for sb in 1..gains.len() {
                let (before, rest) = gains.split_at_mut(sb);
                let (below, g) = (&before[sb - 1], &mut rest[0]);
                if g.num_points == 0 {
                    continue;
                }
                // The first: a delta to the previous subband's first, modulo 32.
                let pred = if below.num_points > 0 {
                    below.location[0]
                } else {
                    0
                };
                let first = (usize::from(pred) + usize::from(books.gain[6].decode(r))) & 0x1F;
                set_location(g, 0, first);
                for i in 1..g.num_points {
                    let more_than_below = i >= below.num_points;
                    // The codebook depends on the direction and on whether there is a
                    // prediction.
                    let rising = usize::from(g.level[i] > g.level[i - 1]);
                    let vlc = &books.gain[rising * 2 + usize::from(more_than_below) + 6];
                    let delta = usize::from(vlc.decode(r));
                    let v = if more_than_below {
                        usize::from(g.location[i - 1]) + delta
                    } else {
                        (usize::from(below.location[i]) + delta) & 0x1F
                    };
                    set_location(g, i, v);
                }
            }
        }
        (_, Some(m)) => {
            for (g, m) in gains.iter_mut().zip(m) {
                for i in 0..g.num_points {
                    if i >= m.num_points {
                        location_direct(r, g, i);
                    } else {
                        g.location[i] = m.location[i];
                    }
                }
            }
        }
        (_, None) => {
            let delta_bits = r.read(2) + 1;
            let min_val = r.read(5) as usize;
            for g in gains.iter_mut() {
                for i in 0..g.num_points {
                    set_location(g, i, min_val + i + r.read(delta_bits) as usize);
                }
            }
        }
    }
    for g in gains.iter() {
        let locs = &g.location[..g.num_points];
        if locs.iter().any(|&l| l > 31) || locs.windows(2).any(|w| w[1] <= w[0]) {
            return Err("invalid gain control location");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::test_bits::BitWriter;
    use super::super::unit::UnitType;
    use super::*;

    /// Gain data of one channel: present, one coded subband (replicated up to
    /// `replicate` subbands when given), counts, levels and locations all fixed-length.
    fn one_subband(replicate: Option<u32>, levels: &[u32], locations: &[u32]) -> BitWriter {
        let mut w = BitWriter::new();
        w.put(1, 1).put(4, 0);
        match replicate {
            Some(n) => w.put(1, 1).put(4, n - 1),
            None => w.put(1, 0),
        };
        w.put(2, 0).put(3, levels.len() as u32);
        w.put(2, 0);
        for &l in levels {
            w.put(4, l);
        }
        w.put(2, 0);
        for &l in locations {
            w.put(5, l);
        }
        w
    }

    fn decode_mono(w: &BitWriter) -> (Parse<()>, UnitParams, usize) {
        let mut r = BitReader::new(&w.bytes);
        let mut u = UnitParams::new(UnitType::Mono);
        let result = decode(&mut r, &mut u, Codebooks::get());
        (result, u, r.position())
    }

    #[test]
    fn fixed_length_gain_points() {
        // Two points: levels 3 and 9, locations 4 and (5 bits again since 4 < 15) 20.
        let w = one_subband(None, &[3, 9], &[4, 20]);
        let (result, u, read) = decode_mono(&w);
        result.unwrap();
        let g = &u.channels[0].gain[0][0];
        assert_eq!(g.num_points, 2);
        assert_eq!(&g.level[..2], &[3, 9]);
        assert_eq!(&g.location[..2], &[4, 20]);
        assert_eq!(u.channels[0].num_gain_subbands, 1);
        assert_eq!(read, w.len());
    }

    #[test]
    fn high_subbands_repeat_the_last_coded_one() {
        let (result, u, _) = decode_mono(&one_subband(Some(3), &[5], &[7]));
        result.unwrap();
        let gains = &u.channels[0].gain[0];
        assert_eq!(gains[2], gains[0]);
        assert_eq!(gains[3].num_points, 0);
    }

    #[test]
    fn locations_must_increase() {
        let (result, _, _) = decode_mono(&one_subband(None, &[3, 9], &[9, 9]));
        assert!(result.is_err());
    }

    #[test]
    fn direct_locations_above_15_use_fewer_bits() {
        // After 20, the next location takes ilog2(30 − 20) + 1 = 4 bits: 20 + 3 + 1.
        let mut w = BitWriter::new();
        w.put(5, 20).put(4, 3);
        let mut r = BitReader::new(&w.bytes);
        let mut g = GainInfo {
            num_points: 2,
            ..GainInfo::default()
        };
        location_direct(&mut r, &mut g, 0);
        location_direct(&mut r, &mut g, 1);
        assert_eq!(&g.location[..2], &[20, 24]);
        g.location[1] = 30;
        location_direct(&mut r, &mut g, 2);
        assert_eq!(g.location[2], 31);
    }
}
