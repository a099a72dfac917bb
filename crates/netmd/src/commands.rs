//! The NetMD command catalogue: how each operation is encoded (bytes after the ctype byte) and
//! how its reply is read. Byte layouts are facts from ../shared/reference/netmd.md, checked
//! against what netmd-js sends (`tests/netmd_traces.rs`).

use super::bytes::{Field, hex_const, int_to_bcd, scan};

/// A command ready to send, with the name used in error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub name: &'static str,
    pub bytes: Vec<u8>,
}

/// Builds command bytes from hex templates and numbers.
struct Build(Vec<u8>);

impl Build {
    fn hex(text: &str) -> Self {
        Self(hex_const(text))
    }
    fn then(mut self, text: &str) -> Self {
        self.0.extend(hex_const(text));
        self
    }
    fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    fn u16(mut self, v: u16) -> Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn u32(mut self, v: u32) -> Self {
        self.0.extend(v.to_be_bytes());
        self
    }
    fn raw(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
    fn named(self, name: &'static str) -> Command {
        Command {
            name,
            bytes: self.0,
        }
    }
}

/// Text and status descriptors, opened around reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Descriptor {
    Root,
    DiscContents,
    DiscTitle,
    HalfWidthTrackTitles,
    FullWidthTrackTitles,
    OperatingStatus,
}

impl Descriptor {
    pub fn bytes(self) -> &'static [u8] {
        match self {
            Descriptor::Root => &[0x10, 0x10, 0x00],
            Descriptor::DiscContents => &[0x10, 0x10, 0x01],
            Descriptor::DiscTitle => &[0x10, 0x18, 0x01],
            Descriptor::HalfWidthTrackTitles => &[0x10, 0x18, 0x02],
            Descriptor::FullWidthTrackTitles => &[0x10, 0x18, 0x03],
            Descriptor::OperatingStatus => &[0x80, 0x00],
        }
    }

    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        [
            Descriptor::Root,
            Descriptor::DiscContents,
            Descriptor::DiscTitle,
            Descriptor::HalfWidthTrackTitles,
            Descriptor::FullWidthTrackTitles,
            Descriptor::OperatingStatus,
        ]
        .into_iter()
        .find(|d| d.bytes() == bytes)
    }

    pub fn track_titles(full_width: bool) -> Self {
        if full_width {
            Descriptor::FullWidthTrackTitles
        } else {
            Descriptor::HalfWidthTrackTitles
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescriptorAction {
    Close = 0x00,
    OpenRead = 0x01,
    OpenWrite = 0x03,
}

impl DescriptorAction {
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x00 => Some(Self::Close),
            0x01 => Some(Self::OpenRead),
            0x03 => Some(Self::OpenWrite),
            _ => None,
        }
    }
}

pub fn descriptor(d: Descriptor, action: DescriptorAction) -> Command {
    Build::hex("1808")
        .raw(d.bytes())
        .u8(action as u8)
        .u8(0)
        .named("change descriptor state")
}

pub fn disc_flags() -> Command {
    Build::hex("1806 01101000 ff00 0001000b").named("read disc flags")
}

pub fn track_count() -> Command {
    Build::hex("1806 02101001 3000 1000 ff00 00000000").named("read track count")
}

/// One chunk of the raw disc title: `remaining` and `done` are 0 for the first.
pub fn disc_title(full_width: bool, remaining: u16, done: u16) -> Command {
    Build::hex("1806 02201801 00")
        .u8(u8::from(full_width))
        .then("3000 0a00 ff00")
        .u16(remaining)
        .u16(done)
        .named("read disc title")
}

pub fn track_title(track: u16, full_width: bool) -> Command {
    Build::hex("1806 022018")
        .u8(if full_width { 3 } else { 2 })
        .u16(track)
        .then("3000 0a00 ff00 00000000")
        .named("read track title")
}

pub fn track_length(track: u16) -> Command {
    Build::hex("1806 02201001")
        .u16(track)
        .then("3000 0100 ff00 00000000")
        .named("read track length")
}

pub fn track_encoding(track: u16) -> Command {
    Build::hex("1806 02201001")
        .u16(track)
        .then("3080 0700 ff00 00000000")
        .named("read track encoding")
}

pub fn track_flags(track: u16) -> Command {
    Build::hex("1806 01201001")
        .u16(track)
        .then("ff00 00010008")
        .named("read track flags")
}

pub fn capacity() -> Command {
    Build::hex("1806 02101000 3080 0300 ff00 00000000").named("read disc capacity")
}

pub fn set_disc_title(full_width: bool, new_len: u16, old_len: u16, title: &[u8]) -> Command {
    Build::hex("1807 02201801 00")
        .u8(u8::from(full_width))
        .then("3000 0a00 5000")
        .u16(new_len)
        .then("0000")
        .u16(old_len)
        .raw(title)
        .named("write disc title")
}

pub fn set_track_title(
    track: u16,
    full_width: bool,
    new_len: u16,
    old_len: u16,
    title: &[u8],
) -> Command {
    Build::hex("1807 022018")
        .u8(if full_width { 3 } else { 2 })
        .u16(track)
        .then("3000 0a00 5000")
        .u16(new_len)
        .then("0000")
        .u16(old_len)
        .raw(title)
        .named("write track title")
}

pub fn delete_track(track: u16) -> Command {
    Build::hex("1840 ff01 00 201001")
        .u16(track)
        .named("delete track")
}

/// libnetmd.py puts an extra 00 before the source: a bug in it, not the protocol.
pub fn move_track(from: u16, to: u16) -> Command {
    Build::hex("1843 ff00 00 201001")
        .u16(from)
        .then("201001")
        .u16(to)
        .named("move track")
}

pub fn erase_disc() -> Command {
    Build::hex("1840 ff 0000").named("erase disc")
}

pub const ACTION_PLAY: u8 = 0x75;
pub const ACTION_PAUSE: u8 = 0x7d;
pub const ACTION_FAST_FORWARD: u8 = 0x39;
pub const ACTION_REWIND: u8 = 0x49;

pub fn playback(action: u8) -> Command {
    let name = match action {
        ACTION_PLAY => "play",
        ACTION_PAUSE => "pause",
        ACTION_FAST_FORWARD => "fast forward",
        _ => "rewind",
    };
    Build::hex("18c3 ff").u8(action).then("000000").named(name)
}

pub fn stop() -> Command {
    Build::hex("18c5 ff 00000000").named("stop")
}

pub fn goto_track(track: u16) -> Command {
    Build::hex("1850 ff010000 0000")
        .u16(track)
        .named("go to track")
}

/// Seeks within a track; the time is in BCD, frames in 1/512 s (512 a second).
pub fn goto_time(track: u16, hours: u32, minutes: u32, seconds: u32, frames: u32) -> Command {
    let bcd = |v: u32| int_to_bcd(v, 2) as u8;
    Build::hex("1850 ff000000 0000")
        .u16(track)
        .u8(bcd(hours))
        .u8(bcd(minutes))
        .u8(bcd(seconds))
        .u8(bcd(frames))
        .named("seek")
}

pub const TRACK_NEXT: u16 = 0x8001;
pub const TRACK_PREVIOUS: u16 = 0x0002;
pub const TRACK_RESTART: u16 = 0x0001;

pub fn track_change(direction: u16) -> Command {
    let name = match direction {
        TRACK_NEXT => "next track",
        TRACK_PREVIOUS => "previous track",
        _ => "restart track",
    };
    Build::hex("1850 ff10 00000000").u16(direction).named(name)
}

pub fn eject() -> Command {
    Build::hex("18c1 ff 6000").named("eject")
}

pub fn status() -> Command {
    Build::hex("1809 8001 0230 8800 0030 8804 00 ff00 00000000").named("read status")
}

pub fn operating_status() -> Command {
    Build::hex("1809 8001 0330 8802 0030 8805 0030 8806 00 ff00 00000000")
        .named("read operating status")
}

pub fn position() -> Command {
    Build::hex("1809 8001 0430 8802 0030 8805 0030 0003 0030 0002 00 ff00 00000000")
        .named("read position")
}

pub fn acquire() -> Command {
    Build::hex("ff 010c ffffffffffffffffffffffff").named("acquire")
}

pub fn release() -> Command {
    Build::hex("ff 0100 ffffffffffffffffffffffff").named("release")
}

/// Prefix of the secure (send) commands: `1800 080046 f0030103 <op> ff …`.
pub const SECURE_PREFIX: [u8; 8] = [0x18, 0x00, 0x08, 0x00, 0x46, 0xf0, 0x03, 0x01];

/// A secure-session command (issue 6 builds on it): `op` then its arguments.
pub fn secure(name: &'static str, op: u8, args: &[u8]) -> Command {
    Build::hex("1800 080046 f0030103")
        .u8(op)
        .u8(0xff)
        .raw(args)
        .named(name)
}

/// A send command header for the secure session.
pub fn send_track(wire_format: u8, disc_format: u8, frames: u32, total_bytes: u32) -> Command {
    Build::hex("1800 080046 f0030103 28 ff 000100 1001 ffff 00")
        .u8(wire_format)
        .u8(disc_format)
        .u32(frames)
        .u32(total_bytes)
        .named("send track")
}

/// The receive command (MD → PC; MZ-RH1/M200 only): `1800 080046 f003010330 ff00 1001 <track>`,
/// the track numbered from 1 on the wire, unlike every other command.
pub fn receive_track(number: u16) -> Command {
    let [hi, lo] = number.to_be_bytes();
    secure("receive track", OP_RECEIVE, &[0x00, 0x10, 0x01, hi, lo])
}

/// The secure-command op of a receive.
pub const OP_RECEIVE: u8 = 0x30;

// ---- replies ----------------------------------------------------------------------------

pub type ParseResult<T> = Result<T, String>;

pub fn parse_disc_flags(body: &[u8]) -> ParseResult<u8> {
    Ok(scan(body, "1806 01101000 1000 0001000b %b")?[0].num() as u8)
}

pub fn parse_track_count(body: &[u8]) -> ParseResult<u16> {
    let f = scan(body, "1806 02101001 %?%? %?%? 1000 %?%? 0000 %x")?;
    let data = f[0].bytes();
    match data {
        [0x00, 0x10, 0x00, 0x02, 0x00, n] => Ok(u16::from(*n)),
        _ => Err(format!("track count block {data:02x?}")),
    }
}

/// The first chunk of a disc title: (bytes in this chunk, total length, the bytes).
pub fn parse_disc_title_first(body: &[u8]) -> ParseResult<(usize, usize, Vec<u8>)> {
    let f = scan(
        body,
        "1806 02201801 00%? 3000 0a00 1000 %w 0000 %?%? 000a %w %*",
    )?;
    let chunk = (f[0].num() as usize).saturating_sub(6);
    Ok((chunk, f[1].num() as usize, f[2].bytes().to_vec()))
}

/// A later chunk of a disc title: (bytes in this chunk, the bytes).
pub fn parse_disc_title_next(body: &[u8]) -> ParseResult<(usize, Vec<u8>)> {
    let f = scan(body, "1806 02201801 00%? 3000 0a00 1000 %w %?%? %*")?;
    Ok((f[0].num() as usize, f[1].bytes().to_vec()))
}

pub fn parse_track_title(body: &[u8]) -> ParseResult<Vec<u8>> {
    let f = scan(
        body,
        "1806 022018%? %?%? 3000 0a00 1000 %?%? 0000 %?%? 000a %x",
    )?;
    Ok(f[0].bytes().to_vec())
}

/// The block a track-information read answers with.
fn track_info_block(body: &[u8]) -> ParseResult<Vec<u8>> {
    let f = scan(body, "1806 02201001 %?%? %?%? %?%? 1000 %?%? 0000 %x")?;
    Ok(f[0].bytes().to_vec())
}

/// A time as the recorder writes it: hours, minutes, seconds, frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WireTime {
    pub hours: u32,
    pub minutes: u32,
    pub seconds: u32,
    pub frames: u32,
}

pub fn parse_track_length(body: &[u8]) -> ParseResult<WireTime> {
    let block = track_info_block(body)?;
    let f = scan(&block, "0001 0006 0000 %B %B %B %B")?;
    Ok(WireTime {
        hours: f[0].num(),
        minutes: f[1].num(),
        seconds: f[2].num(),
        frames: f[3].num(),
    })
}

/// (encoding byte: 90 SP, 92 LP2, 93 LP4; channel byte: 00 stereo, 01 mono)
pub fn parse_track_encoding(body: &[u8]) -> ParseResult<(u8, u8)> {
    let block = track_info_block(body)?;
    let f = scan(&block, "8007 0004 0110 %b %b")?;
    Ok((f[0].num() as u8, f[1].num() as u8))
}

pub fn parse_track_flags(body: &[u8]) -> ParseResult<u8> {
    Ok(scan(body, "1806 01201001 %?%? 1000 00010008 %b")?[0].num() as u8)
}

/// (recorded, total, available), in SP time.
pub fn parse_capacity(body: &[u8]) -> ParseResult<[WireTime; 3]> {
    // The byte before 03 is 80 on Sony units and 08 on Panasonic ones.
    let f = scan(
        body,
        "1806 02101000 3080 0300 1000 001d 0000 001b %?03 0017 8000 \
         0005 %W %B %B %B 0005 %W %B %B %B 0005 %W %B %B %B",
    )?;
    let t = |i: usize| WireTime {
        hours: f[i].num(),
        minutes: f[i + 1].num(),
        seconds: f[i + 2].num(),
        frames: f[i + 3].num(),
    };
    Ok([t(0), t(4), t(8)])
}

/// The status block; byte 4 is 40 with a disc, 80 without.
pub fn parse_status(body: &[u8]) -> ParseResult<Vec<u8>> {
    let f = scan(body, "1809 8001 0230 8800 0030 8804 00 1000 0009 0000 %x")?;
    Ok(f[0].bytes().to_vec())
}

pub fn parse_operating_status(body: &[u8]) -> ParseResult<u16> {
    let f = scan(
        body,
        "1809 8001 0330 8802 0030 8805 0030 8806 00 1000 %?%? 0000 00%? 8806 %x",
    )?;
    match f[0].bytes() {
        [hi, lo, ..] => Ok(u16::from_be_bytes([*hi, *lo])),
        other => Err(format!("operating status block {other:02x?}")),
    }
}

/// (track, time) of the playing position.
pub fn parse_position(body: &[u8]) -> ParseResult<(u16, WireTime)> {
    let f = scan(
        body,
        "1809 8001 0430 8802 0030 8805 0030 0003 0030 0002 00 1000 %?%? 0000 \
         000b 0002 0007 00 %w %B %B %B %B",
    )?;
    Ok((
        f[0].num() as u16,
        WireTime {
            hours: f[1].num(),
            minutes: f[2].num(),
            seconds: f[3].num(),
            frames: f[4].num(),
        },
    ))
}

/// Checks that a reply echoes the start of its command (everything before the first `ff`).
pub fn check_echo(command: &Command, body: &[u8]) -> ParseResult<()> {
    let prefix_len = command
        .bytes
        .iter()
        .position(|&b| b == 0xff)
        .unwrap_or(command.bytes.len());
    let prefix = &command.bytes[..prefix_len];
    if body.starts_with(prefix) {
        Ok(())
    } else {
        Err(format!("reply {body:02x?} does not echo the command"))
    }
}

/// A field scanner for callers outside this module (the virtual deck parses commands with it).
pub fn scan_command(bytes: &[u8], template: &str) -> Option<Vec<Field>> {
    scan(bytes, template).ok()
}
