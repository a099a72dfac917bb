//! The virtual deck's command handling: parses the command bytes a client sends and answers
//! with the reply layouts of the fact sheet (status byte, echo with the `ff` wildcards filled
//! in, payload), so the client cannot tell it from a recorder.

use std::time::Instant;

use super::model::VirtualDisc;
use super::secure::SecureSession;
use crate::bytes::{Field, hex_const, int_to_bcd};
use crate::commands::{Descriptor, DescriptorAction, SECURE_PREFIX, WireTime, scan_command};
use crate::disc::{Mode, PlayerState, TITLE_CELLS};
use crate::framing::{
    CTYPE_SPECIFIC_INQUIRY, STATUS_ACCEPTED, STATUS_IMPLEMENTED, STATUS_NOT_IMPLEMENTED,
    STATUS_REJECTED,
};
use crate::titles;

/// The longest disc-title chunk the deck returns, so that clients exercise chunked reads.
const TITLE_CHUNK: usize = 128;

/// The deck's own player.
#[derive(Debug, Clone)]
pub struct Player {
    pub state: PlayerState,
    /// 0-based.
    pub track: usize,
    pub position_ms: u64,
    pub since: Option<Instant>,
}

impl Player {
    fn stopped() -> Self {
        Self {
            state: PlayerState::Stopped,
            track: 0,
            position_ms: 0,
            since: None,
        }
    }

    /// Where play has got to: the deck's time runs while it plays.
    fn position(&self, disc: &VirtualDisc) -> u64 {
        let elapsed = match (self.state, self.since) {
            (PlayerState::Playing, Some(t)) => t.elapsed().as_millis() as u64,
            _ => 0,
        };
        let length = disc.tracks.get(self.track).map_or(0, |t| t.duration_ms);
        (self.position_ms + elapsed).min(length)
    }

    fn freeze(&mut self, disc: &VirtualDisc) {
        self.position_ms = self.position(disc);
        self.since = None;
    }
}

/// Everything the deck knows: the disc (persisted) and what is only in its memory.
#[derive(Debug, Clone)]
pub struct DeckState {
    pub disc: VirtualDisc,
    pub disc_present: bool,
    pub player: Player,
    pub open_descriptors: Vec<(Descriptor, DescriptorAction)>,
    pub secure: SecureSession,
    /// Set when the disc changed and must be saved.
    pub dirty: bool,
    /// Counts jumps of the player (goto, track skips, seeks), so a listener can tell a jump
    /// from pause and play at the same place.
    pub cue: u64,
}

impl DeckState {
    pub fn new(disc: VirtualDisc) -> Self {
        Self {
            disc,
            disc_present: true,
            player: Player::stopped(),
            open_descriptors: Vec::new(),
            secure: SecureSession::default(),
            dirty: false,
            cue: 0,
        }
    }
}

/// A reply: status byte then body.
pub fn reply(status: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 1);
    out.push(status);
    out.extend_from_slice(body);
    out
}

/// The body of an answer: what the command echoes, then the payload.
struct Body(Vec<u8>);

impl Body {
    fn echo(cmd: &[u8], len: usize) -> Self {
        Self(cmd[..len.min(cmd.len())].to_vec())
    }
    fn hex(mut self, text: &str) -> Self {
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
    fn raw(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    /// A 16-bit-length-prefixed block.
    fn block(self, b: &[u8]) -> Self {
        self.u16(b.len() as u16).raw(b)
    }
    fn time(self, t: WireTime) -> Self {
        self.u8(int_to_bcd(t.hours, 2) as u8)
            .u8(int_to_bcd(t.minutes, 2) as u8)
            .u8(int_to_bcd(t.seconds, 2) as u8)
            .u8(int_to_bcd(t.frames, 2) as u8)
    }
}

/// What a handler decided.
enum Answer {
    Ok(Vec<u8>),
    Rejected,
    NotImplemented,
    /// Complete replies, status bytes included (e.g. an interim then a final answer).
    Raw(Vec<Vec<u8>>),
}

fn m(cmd: &[u8], template: &str) -> Option<Vec<Field>> {
    scan_command(cmd, template)
}

/// Answers one command frame (ctype byte first).
pub fn respond(state: &mut DeckState, frame: &[u8]) -> Vec<Vec<u8>> {
    let Some((&ctype, cmd)) = frame.split_first() else {
        return vec![reply(STATUS_REJECTED, &[])];
    };
    if ctype == CTYPE_SPECIFIC_INQUIRY {
        // "Would you accept this?": try it on a copy and throw the copy away.
        let mut trial = state.clone();
        return match handle(&mut trial, cmd) {
            Answer::Ok(_) | Answer::Raw(_) => vec![reply(STATUS_IMPLEMENTED, cmd)],
            Answer::Rejected => vec![reply(STATUS_REJECTED, cmd)],
            Answer::NotImplemented => vec![reply(STATUS_NOT_IMPLEMENTED, cmd)],
        };
    }
    match handle(state, cmd) {
        Answer::Ok(body) => vec![reply(STATUS_ACCEPTED, &body)],
        Answer::Rejected => vec![reply(STATUS_REJECTED, cmd)],
        Answer::NotImplemented => vec![reply(STATUS_NOT_IMPLEMENTED, cmd)],
        Answer::Raw(replies) => replies,
    }
}

fn handle(s: &mut DeckState, cmd: &[u8]) -> Answer {
    if cmd.starts_with(&SECURE_PREFIX) {
        return secure(s, cmd);
    }
    if let Some(f) = m(cmd, "1808 %* ") {
        return descriptor(s, cmd, f[0].bytes());
    }
    if m(cmd, "ff 010c ffffffffffffffffffffffff").is_some()
        || m(cmd, "ff 0100 ffffffffffffffffffffffff").is_some()
    {
        return Answer::Ok(cmd.to_vec());
    }
    if m(cmd, "1809 8001 0230 8800 0030 8804 00 ff00 00000000").is_some() {
        let presence = if s.disc_present { 0x40 } else { 0x80 };
        let block = [0, 0, 0, 0, presence, 0, 0, 0];
        return Answer::Ok(Body::echo(cmd, 13).hex("1000 0009 0000").block(&block).0);
    }
    if m(
        cmd,
        "1809 8001 0330 8802 0030 8805 0030 8806 00 ff00 00000000",
    )
    .is_some()
    {
        let state = if !s.disc_present {
            PlayerState::NoDisc
        } else if s.disc.tracks.is_empty() {
            PlayerState::Blank
        } else {
            s.player.state
        };
        return Answer::Ok(
            Body::echo(cmd, 17)
                .hex("1000 000a 0000 0006 8806")
                .block(&state.operating_status().to_be_bytes())
                .0,
        );
    }
    if m(
        cmd,
        "1809 8001 0430 8802 0030 8805 0030 0003 0030 0002 00 ff00 00000000",
    )
    .is_some()
    {
        if !s.disc_present || s.disc.tracks.is_empty() {
            return Answer::Rejected;
        }
        let t = WireTime::from_ms(s.player.position(&s.disc));
        return Answer::Ok(
            Body::echo(cmd, 21)
                .hex("1000 0013 0000 000b 0002 0007 00")
                .u16(s.player.track as u16)
                .time(t)
                .0,
        );
    }
    if !s.disc_present {
        // Without a disc only the status queries and eject make sense.
        return if cmd.first() == Some(&0x18) {
            Answer::Rejected
        } else {
            Answer::NotImplemented
        };
    }
    if let Some(a) = read_command(s, cmd) {
        return a;
    }
    if let Some(a) = edit_command(s, cmd) {
        return a;
    }
    if let Some(a) = player_command(s, cmd) {
        return a;
    }
    Answer::NotImplemented
}

fn descriptor(s: &mut DeckState, cmd: &[u8], rest: &[u8]) -> Answer {
    let (desc, tail) = match rest.first() {
        Some(0x10) if rest.len() >= 3 => (&rest[..3], &rest[3..]),
        Some(0x80) if rest.len() >= 2 => (&rest[..2], &rest[2..]),
        _ => return Answer::NotImplemented,
    };
    let (Some(d), [action, 0x00]) = (Descriptor::from_bytes(desc), tail) else {
        return Answer::NotImplemented;
    };
    let Some(action) = DescriptorAction::from_byte(*action) else {
        return Answer::Rejected;
    };
    s.open_descriptors.retain(|(open, _)| *open != d);
    if action != DescriptorAction::Close {
        s.open_descriptors.push((d, action));
    }
    Answer::Ok(cmd.to_vec())
}

fn track_index(s: &DeckState, wire: u32) -> Option<usize> {
    let i = wire as usize;
    (i < s.disc.tracks.len()).then_some(i)
}

fn sjis(text: &str) -> Vec<u8> {
    titles::encode(text)
}

#[expect(
    clippy::too_many_lines,
    reason = "one flat table of the read commands the deck answers"
)]
fn read_command(s: &mut DeckState, cmd: &[u8]) -> Option<Answer> {
    if m(cmd, "1806 01101000 ff00 0001000b").is_some() {
        let flags = if s.disc.write_protected { 0x40 } else { 0x10 };
        return Some(Answer::Ok(
            Body::echo(cmd, 6).hex("1000 0001000b").u8(flags).0,
        ));
    }
    if m(cmd, "1806 02101001 3000 1000 ff00 00000000").is_some() {
        let count = s.disc.tracks.len() as u8;
        return Some(Answer::Ok(
            Body::echo(cmd, 10)
                .hex("1000 000a 0000")
                .block(&[0x00, 0x10, 0x00, 0x02, 0x00, count])
                .0,
        ));
    }
    if let Some(f) = m(cmd, "1806 02201801 00%b 3000 0a00 ff00 %w %w") {
        let full = match f[0].num() {
            0 => false,
            1 => true,
            _ => return Some(Answer::Rejected),
        };
        let title = sjis(if full {
            &s.disc.full_width_title
        } else {
            &s.disc.title
        });
        let done = f[2].num() as usize;
        if done > title.len() {
            return Some(Answer::Rejected);
        }
        let chunk = &title[done..title.len().min(done + TITLE_CHUNK)];
        let echo = Body::echo(cmd, 12).hex("1000");
        let body = if f[1].num() == 0 {
            echo.u16(chunk.len() as u16 + 6)
                .hex("0000")
                .u16(chunk.len() as u16)
                .hex("000a")
                .u16(title.len() as u16)
                .raw(chunk)
        } else {
            echo.u16(chunk.len() as u16).u16(done as u16).raw(chunk)
        };
        return Some(Answer::Ok(body.0));
    }
    if let Some(f) = m(cmd, "1806 022018 %b %w 3000 0a00 ff00 00000000") {
        let full = match f[0].num() {
            2 => false,
            3 => true,
            _ => return Some(Answer::Rejected),
        };
        let Some(i) = track_index(s, f[1].num()) else {
            return Some(Answer::Rejected);
        };
        let t = &s.disc.tracks[i];
        let title = sjis(if full { &t.full_width_title } else { &t.title });
        let len = title.len() as u16;
        return Some(Answer::Ok(
            Body::echo(cmd, 12)
                .hex("1000")
                .u16(len + 8)
                .hex("0000")
                .u16(len + 6)
                .hex("000a")
                .block(&title)
                .0,
        ));
    }
    if let Some(f) = m(cmd, "1806 02201001 %w 3000 0100 ff00 00000000") {
        let Some(i) = track_index(s, f[0].num()) else {
            return Some(Answer::Rejected);
        };
        let t = WireTime::from_ms(s.disc.tracks[i].duration_ms);
        let block = Body(hex_const("0001 0006 0000")).time(t).0;
        return Some(Answer::Ok(track_info(cmd, &block)));
    }
    if let Some(f) = m(cmd, "1806 02201001 %w 3080 0700 ff00 00000000") {
        let Some(i) = track_index(s, f[0].num()) else {
            return Some(Answer::Rejected);
        };
        let t = &s.disc.tracks[i];
        let channels = u8::from(t.channels == 1);
        let block = Body(hex_const("8007 0004 0110"))
            .u8(t.mode.encoding())
            .u8(channels)
            .0;
        return Some(Answer::Ok(track_info(cmd, &block)));
    }
    if let Some(f) = m(cmd, "1806 01201001 %w ff00 00010008") {
        let Some(i) = track_index(s, f[0].num()) else {
            return Some(Answer::Rejected);
        };
        let flags = if s.disc.tracks[i].protected {
            0x03
        } else {
            0x00
        };
        return Some(Answer::Ok(
            Body::echo(cmd, 8).hex("1000 00010008").u8(flags).0,
        ));
    }
    if m(cmd, "1806 02101000 3080 0300 ff00 00000000").is_some() {
        let c = s.disc.capacity();
        let field = |ms: u64| {
            let t = WireTime::from_ms(ms);
            Body(hex_const("0005"))
                .u16(int_to_bcd(t.hours, 4) as u16)
                .u8(int_to_bcd(t.minutes, 2) as u8)
                .u8(int_to_bcd(t.seconds, 2) as u8)
                .u8(int_to_bcd(t.frames, 2) as u8)
                .0
        };
        return Some(Answer::Ok(
            Body::echo(cmd, 10)
                .hex("1000 001d 0000 001b 8003 0017 8000")
                .raw(&field(c.used_ms))
                .raw(&field(c.total_ms))
                .raw(&field(c.free_ms))
                .0,
        ));
    }
    None
}

/// Track-information replies: the echo up to `ff00`, then the block.
fn track_info(cmd: &[u8], block: &[u8]) -> Vec<u8> {
    Body::echo(cmd, 12)
        .hex("1000")
        .u16(block.len() as u16 + 4)
        .hex("0000")
        .block(block)
        .0
}

fn open_for_write(s: &DeckState) -> bool {
    s.open_descriptors
        .iter()
        .any(|(_, a)| *a == DescriptorAction::OpenWrite)
}

/// Checks a title write against the old length and the title space, then applies it.
fn write_title(
    s: &mut DeckState,
    f: &[Field],
    apply: impl FnOnce(&mut VirtualDisc, String) -> Option<usize>,
) -> Answer {
    let (new_len, old_len, data) = (f[0].num() as usize, f[1].num() as usize, f[2].bytes());
    if data.len() != new_len || s.disc.write_protected || !open_for_write(s) {
        return Answer::Rejected;
    }
    let mut trial = s.disc.clone();
    let Some(current_len) = apply(&mut trial, titles::decode(data)) else {
        return Answer::Rejected;
    };
    // Recorders check the old length: a client working from a stale read is refused.
    if current_len != old_len {
        return Answer::Rejected;
    }
    let (before, after) = (s.disc.cells(), trial.cells());
    if (after.0 > TITLE_CELLS && after.0 > before.0)
        || (after.1 > TITLE_CELLS && after.1 > before.1)
    {
        return Answer::Rejected;
    }
    s.disc = trial;
    s.dirty = true;
    Answer::Ok(Vec::new())
}

fn edit_command(s: &mut DeckState, cmd: &[u8]) -> Option<Answer> {
    if let Some(f) = m(cmd, "1807 02201801 00%b 3000 0a00 5000 %w 0000 %w %*") {
        let full = f[0].num() == 1;
        let answer = write_title(s, &f[1..], |disc, text| {
            let slot = if full {
                &mut disc.full_width_title
            } else {
                &mut disc.title
            };
            let old = sjis(slot).len();
            *slot = text;
            Some(old)
        });
        return Some(with_echo(answer, cmd, 20));
    }
    if let Some(f) = m(cmd, "1807 022018 %b %w 3000 0a00 5000 %w 0000 %w %*") {
        let full = match f[0].num() {
            2 => false,
            3 => true,
            _ => return Some(Answer::Rejected),
        };
        let index = f[1].num() as usize;
        let answer = write_title(s, &f[2..], |disc, text| {
            let t = disc.tracks.get_mut(index)?;
            let slot = if full {
                &mut t.full_width_title
            } else {
                &mut t.title
            };
            let old = sjis(slot).len();
            *slot = text;
            Some(old)
        });
        return Some(with_echo(answer, cmd, 20));
    }
    if let Some(f) = m(cmd, "1840 ff01 00 201001 %w") {
        if s.disc.write_protected {
            return Some(Answer::Rejected);
        }
        let Some(i) = track_index(s, f[0].num()) else {
            return Some(Answer::Rejected);
        };
        s.disc.tracks.remove(i);
        s.player = Player::stopped();
        s.dirty = true;
        return Some(Answer::Ok(
            Body(hex_const("1840 0001 00 201001")).u16(i as u16).0,
        ));
    }
    if let Some(f) = m(cmd, "1843 ff00 00 201001 %w 201001 %w") {
        if s.disc.write_protected {
            return Some(Answer::Rejected);
        }
        let (Some(from), Some(to)) = (track_index(s, f[0].num()), track_index(s, f[1].num()))
        else {
            return Some(Answer::Rejected);
        };
        let t = s.disc.tracks.remove(from);
        s.disc.tracks.insert(to, t);
        s.player = Player::stopped();
        s.dirty = true;
        return Some(Answer::Ok(
            Body(hex_const("1843 0000 00 201001"))
                .u16(from as u16)
                .hex("201001")
                .u16(to as u16)
                .0,
        ));
    }
    if m(cmd, "1840 ff 0000").is_some() {
        if s.disc.write_protected {
            return Some(Answer::Rejected);
        }
        s.disc.tracks.clear();
        s.disc.title.clear();
        s.disc.full_width_title.clear();
        s.player = Player::stopped();
        s.dirty = true;
        return Some(Answer::Ok(hex_const("1840 00 0000")));
    }
    None
}

/// Title writes echo the command up to and with the old length, without the text.
fn with_echo(answer: Answer, cmd: &[u8], len: usize) -> Answer {
    match answer {
        Answer::Ok(_) => Answer::Ok(cmd[..len.min(cmd.len())].to_vec()),
        other => other,
    }
}

fn player_command(s: &mut DeckState, cmd: &[u8]) -> Option<Answer> {
    let count = s.disc.tracks.len();
    if let Some(f) = m(cmd, "18c3 ff %b 000000") {
        let action = f[0].num() as u8;
        if count == 0 {
            return Some(Answer::Rejected);
        }
        let state = match action {
            0x75 => PlayerState::Playing,
            0x7d => PlayerState::Paused,
            0x39 => PlayerState::FastForward,
            0x49 => PlayerState::Rewind,
            _ => return Some(Answer::Rejected),
        };
        s.player.freeze(&s.disc);
        s.player.state = state;
        if state == PlayerState::Playing {
            s.player.since = Some(Instant::now());
        }
        return Some(Answer::Ok(
            Body(hex_const("18c3 00")).u8(action).hex("000000").0,
        ));
    }
    if m(cmd, "18c5 ff 00000000").is_some() {
        s.player.state = PlayerState::Stopped;
        s.player.position_ms = 0;
        s.player.since = None;
        return Some(Answer::Ok(hex_const("18c5 00 00000000")));
    }
    if let Some(f) = m(cmd, "1850 ff010000 0000 %w") {
        let Some(i) = track_index(s, f[0].num()) else {
            return Some(Answer::Rejected);
        };
        goto(s, i, 0);
        return Some(Answer::Ok(
            Body(hex_const("1850 00010000 0000")).u16(i as u16).0,
        ));
    }
    if let Some(f) = m(cmd, "1850 ff000000 0000 %w %B %B %B %B") {
        let Some(i) = track_index(s, f[0].num()) else {
            return Some(Answer::Rejected);
        };
        let t = WireTime {
            hours: f[1].num(),
            minutes: f[2].num(),
            seconds: f[3].num(),
            frames: f[4].num(),
        };
        let ms = t.to_ms();
        if ms > s.disc.tracks[i].duration_ms {
            return Some(Answer::Rejected);
        }
        goto(s, i, ms);
        return Some(Answer::Ok(
            Body(hex_const("1850 00000000 0000"))
                .u16(i as u16)
                .time(t)
                .0,
        ));
    }
    if let Some(f) = m(cmd, "1850 ff10 00000000 %w") {
        if count == 0 {
            return Some(Answer::Rejected);
        }
        let current = s.player.track.min(count - 1);
        let target = match f[0].num() as u16 {
            0x8001 => (current + 1).min(count - 1),
            0x0002 => current.saturating_sub(1),
            0x0001 => current,
            _ => return Some(Answer::Rejected),
        };
        goto(s, target, 0);
        return Some(Answer::Ok(
            Body(hex_const("1850 0010 00000000")).u16(target as u16).0,
        ));
    }
    if m(cmd, "18c1 ff 6000").is_some() {
        // Ejecting is not persisted: the next session finds the disc in again.
        s.disc_present = false;
        s.player = Player::stopped();
        return Some(Answer::Ok(hex_const("18c1 00 6000")));
    }
    None
}

fn goto(s: &mut DeckState, track: usize, ms: u64) {
    s.cue += 1;
    let playing = s.player.state == PlayerState::Playing;
    s.player.track = track;
    s.player.position_ms = ms;
    s.player.since = playing.then(Instant::now);
}

fn secure(s: &mut DeckState, cmd: &[u8]) -> Answer {
    let Some(&op) = cmd.get(SECURE_PREFIX.len() + 1) else {
        return Answer::NotImplemented;
    };
    // `1800 080046 f0030103 <op> ff …`: byte 8 is the 03 of f0030103.
    if cmd.get(SECURE_PREFIX.len()) != Some(&0x03) {
        return Answer::NotImplemented;
    }
    let args = cmd.get(SECURE_PREFIX.len() + 3..).unwrap_or(&[]);
    match s.secure.handle(&mut s.disc, op, args) {
        super::secure::SecureAnswer::Accepted(payload) => {
            let mut body = cmd[..SECURE_PREFIX.len() + 2].to_vec();
            body.push(0x00);
            body.extend_from_slice(&payload);
            s.dirty |= s.secure.take_disc_changed();
            Answer::Ok(body)
        }
        super::secure::SecureAnswer::Replies(replies) => Answer::Raw(replies),
        super::secure::SecureAnswer::Rejected => Answer::Rejected,
        super::secure::SecureAnswer::NotImplemented => Answer::NotImplemented,
    }
}

/// The modes a track can be stored in, for the send command's disc-format byte.
pub fn mode_for_disc_format(format: u8) -> Option<(Mode, u8)> {
    match format {
        0x06 => Some((Mode::SP, 2)),
        0x04 => Some((Mode::SP, 1)),
        0x02 => Some((Mode::LP2, 2)),
        0x00 => Some((Mode::LP4, 2)),
        _ => None,
    }
}
