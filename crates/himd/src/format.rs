//! Formatting a disc as Hi-MD afresh: Sony's C2 "Format Hi-MD" command, which the unit runs
//! in the background while the host polls REQUEST SENSE for its progress (fact sheet §4). The
//! unit keeps the disc id; everything on the disc goes.

use std::time::{Duration, Instant};

use crate::disc::Disc;
use crate::error::HimdError;
use crate::scsi::{Data, REQUEST_SENSE, ScsiDevice, ScsiError, Sense};
use crate::volume::{FatFiles, ScsiSectors};

/// Sony's vendor command for Hi-MD device control.
pub const DEVICE_CONTROL: u8 = 0xC2;
/// Byte 3 of [`DEVICE_CONTROL`]: format as Hi-MD (0 would wipe a standard MD of its Hi-MD
/// format, which is not wanted here).
pub const FORMAT_HIMD: u8 = 0x01;
/// Byte 4: answer at once (IMMED) and write through (FUA). NOFS (bit 2) stays 0: an RH1
/// refuses it.
pub const FORMAT_FLAGS: u8 = 0b011;
pub const FLAG_NOFS: u8 = 0b100;

/// The format command block: app id 0, subcommand, flags, a BE32 data length of 0.
pub const FORMAT_CDB: [u8; 12] = [
    DEVICE_CONTROL,
    0,
    0,
    FORMAT_HIMD,
    FORMAT_FLAGS,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
];

/// REQUEST SENSE for the 18 bytes of fixed-format sense data.
pub const SENSE_CDB: [u8; 6] = [REQUEST_SENSE, 0, 0, 0, 18, 0];

/// The scale of the progress the unit reports in sense bytes 16–17 (a fraction of 65536, as
/// SCSI's progress indication is).
pub const PROGRESS_TOTAL: u32 = 0x1_0000;

/// Sense bytes 15–17 (sense-key specific): the SKSV bit and the progress.
const SKSV: u8 = 0x80;
/// NOT READY, "format in progress".
pub const FORMAT_IN_PROGRESS: Sense = Sense::new(Sense::NOT_READY, 0x04, 0x04);

/// How the host waits for the unit.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// Between two REQUEST SENSE polls (200 ms, as Web MiniDisc polls).
    pub interval: Duration,
    /// How long the unit may take before the host gives up.
    pub timeout: Duration,
}

impl Default for Polling {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(200),
            // How long a unit takes is unmeasured; this is generous, and the progress shows.
            timeout: Duration::from_secs(600),
        }
    }
}

/// What one REQUEST SENSE poll said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Poll {
    /// Still formatting: progress out of [`PROGRESS_TOTAL`] when the unit says.
    Busy(Option<u32>),
    /// Done, with the sense the unit ended on.
    Done(Sense),
}

fn read_poll(bytes: &[u8]) -> Poll {
    let at = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let sense = Sense::new(at(2) & 0x0F, at(12), at(13));
    let specific = [at(15), at(16), at(17)];
    if specific != [0, 0, 0] {
        let progress = (specific[0] & SKSV != 0)
            .then(|| u32::from(u16::from_be_bytes([specific[1], specific[2]])));
        Poll::Busy(progress)
    } else if sense == FORMAT_IN_PROGRESS {
        Poll::Busy(None)
    } else {
        Poll::Done(sense)
    }
}

/// Why a unit refused or failed a format, in words.
fn refusal(sense: Sense) -> String {
    let what = match (sense.key, sense.asc) {
        (Sense::DATA_PROTECT, 0x27) => "the disc is write-protected",
        (Sense::DATA_PROTECT, _) => "the unit protects the disc",
        (Sense::NOT_READY, 0x3A) => "there is no disc in the unit",
        (Sense::NOT_READY, _) => "the unit is not ready",
        (Sense::MEDIUM_ERROR, _) => "the disc could not be written",
        (Sense::HARDWARE_ERROR, _) => "the unit failed",
        (Sense::ILLEGAL_REQUEST, _) => "the unit does not take the format command",
        _ => "the unit refused",
    };
    format!(
        "{what} (sense {:02x}/{:02x}/{:02x})",
        sense.key, sense.asc, sense.ascq
    )
}

/// Formats the disc in the unit: sends the command, then polls until the unit is done,
/// calling `progress` with (done, total). Whatever the host had read of the old disc is
/// stale afterwards: read it afresh ([`format_and_read`]).
pub fn format(
    device: &mut dyn ScsiDevice,
    polling: Polling,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<(), HimdError> {
    match device.execute(&FORMAT_CDB, Data::None) {
        Ok(_) => {}
        Err(ScsiError::CheckCondition { sense, .. }) => {
            return Err(HimdError::Format(refusal(sense)));
        }
        Err(e) => return Err(e.into()),
    }
    let deadline = Instant::now() + polling.timeout;
    let mut done = 0;
    progress(done, PROGRESS_TOTAL);
    loop {
        let mut sense = [0u8; 18];
        let got = device.execute(&SENSE_CDB, Data::In(&mut sense))?;
        match read_poll(&sense[..got.min(sense.len())]) {
            Poll::Busy(at) => {
                if let Some(at) = at {
                    // Never backwards, never complete before the unit says it is done.
                    done = at.clamp(done, PROGRESS_TOTAL - 1);
                }
                progress(done, PROGRESS_TOTAL);
            }
            Poll::Done(sense) => {
                if matches!(
                    sense.key,
                    Sense::MEDIUM_ERROR | Sense::HARDWARE_ERROR | Sense::DATA_PROTECT
                ) {
                    return Err(HimdError::Format(refusal(sense)));
                }
                progress(PROGRESS_TOTAL, PROGRESS_TOTAL);
                return Ok(());
            }
        }
        if Instant::now() >= deadline {
            return Err(HimdError::Format(format!(
                "the unit was still formatting after {} s",
                polling.timeout.as_secs()
            )));
        }
        std::thread::sleep(polling.interval);
    }
}

/// [`format()`], then the new disc read from the device.
pub fn format_and_read<D: ScsiDevice>(
    mut device: D,
    polling: Polling,
    progress: &mut dyn FnMut(u32, u32),
) -> Result<Disc<FatFiles<ScsiSectors<D>>>, HimdError> {
    format(&mut device, polling, progress)?;
    Disc::open(FatFiles::open(ScsiSectors::new(device)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A unit that answers the format command as told and then REQUEST SENSE from a script.
    struct Scripted {
        refuse: Option<Sense>,
        senses: Vec<[u8; 18]>,
        commands: Vec<Vec<u8>>,
    }

    fn busy(progress: u16) -> [u8; 18] {
        let mut b = FORMAT_IN_PROGRESS.to_bytes();
        b[15] = SKSV;
        b[16..18].copy_from_slice(&progress.to_be_bytes());
        b
    }

    impl Scripted {
        fn new(senses: Vec<[u8; 18]>) -> Self {
            Self {
                refuse: None,
                senses,
                commands: Vec::new(),
            }
        }
    }

    impl ScsiDevice for Scripted {
        fn execute(&mut self, cdb: &[u8], data: Data<'_>) -> Result<usize, ScsiError> {
            self.commands.push(cdb.to_vec());
            match (cdb[0], data) {
                (DEVICE_CONTROL, Data::None) => match self.refuse {
                    Some(sense) => Err(ScsiError::CheckCondition {
                        opcode: DEVICE_CONTROL,
                        sense,
                    }),
                    None => Ok(0),
                },
                (REQUEST_SENSE, Data::In(buf)) => {
                    // The unit stays where the script ends.
                    let next = if self.senses.len() > 1 {
                        self.senses.remove(0)
                    } else {
                        self.senses.first().copied().unwrap_or([0; 18])
                    };
                    buf.copy_from_slice(&next);
                    Ok(18)
                }
                _ => Err(ScsiError::Transport("unexpected command".into())),
            }
        }
    }

    const FAST: Polling = Polling {
        interval: Duration::ZERO,
        timeout: Duration::from_secs(5),
    };

    #[test]
    fn the_format_command_block_is_sonys() {
        assert_eq!(FORMAT_CDB, [0xC2, 0, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(FORMAT_CDB[4] & FLAG_NOFS, 0);
        assert_eq!(SENSE_CDB, [0x03, 0, 0, 0, 0x12, 0]);
    }

    #[test]
    fn progress_is_reported_until_the_sense_bytes_clear() {
        let mut unit = Scripted::new(vec![
            busy(0x1000),
            busy(0x8000),
            busy(0x4000),
            FORMAT_IN_PROGRESS.to_bytes(),
            busy(0xFFFF),
            [0; 18],
        ]);
        let mut seen = Vec::new();
        format(&mut unit, FAST, &mut |d, t| seen.push((d, t))).unwrap();
        let done: Vec<u32> = seen.iter().map(|&(d, _)| d).collect();
        // Never backwards; whole only at the end.
        assert_eq!(done, [0, 0x1000, 0x8000, 0x8000, 0x8000, 0xFFFF, 0x1_0000]);
        assert!(seen.iter().all(|&(_, t)| t == PROGRESS_TOTAL));
        assert_eq!(unit.commands[0], FORMAT_CDB);
        assert_eq!(unit.commands.len(), 7);
        assert!(unit.commands[1..].iter().all(|c| c[..] == SENSE_CDB));
    }

    #[test]
    fn a_refused_format_says_why() {
        let mut unit = Scripted::new(vec![[0; 18]]);
        unit.refuse = Some(Sense::new(Sense::DATA_PROTECT, 0x27, 0));
        let e = format(&mut unit, FAST, &mut |_, _| {}).unwrap_err();
        assert!(e.to_string().contains("write-protected"), "{e}");
        assert_eq!(unit.commands.len(), 1);

        // A unit that fails part-way says so at the end.
        let mut failed = Scripted::new(vec![
            busy(10),
            Sense::new(Sense::MEDIUM_ERROR, 0x0C, 0).to_bytes(),
        ]);
        let e = format(&mut failed, FAST, &mut |_, _| {}).unwrap_err();
        assert!(e.to_string().contains("could not be written"), "{e}");
    }

    #[test]
    fn a_unit_that_never_finishes_times_out() {
        let mut unit = Scripted::new(vec![busy(5)]);
        let polling = Polling {
            interval: Duration::from_millis(1),
            timeout: Duration::from_millis(30),
        };
        let started = Instant::now();
        let e = format(&mut unit, polling, &mut |_, _| {}).unwrap_err();
        assert!(e.to_string().contains("still formatting"), "{e}");
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
