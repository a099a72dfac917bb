//! Faults the virtual deck can be told to show, for tests: a disconnect after a number of
//! transfers, rejecting a command, stalling, slow or interim answers, slow transfers.

use crate::bytes::from_hex;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Faults {
    /// After this many transfers every transfer fails as if the cable were pulled.
    pub disconnect_after: Option<u64>,
    /// Commands (bytes after the ctype) starting with one of these are rejected.
    pub reject: Vec<Vec<u8>>,
    /// After this many transfers the deck stops answering (polls never report a reply).
    pub stall_after: Option<u64>,
    /// Polls that report "not ready" before each reply, to exercise the poll backoff.
    pub busy_polls: u32,
    /// Interim (0f) replies sent before each final one.
    pub interim_replies: u32,
    /// Milliseconds each transfer takes (a slow cable or recorder), to catch a send mid-way.
    pub delay_ms: u64,
}

impl Faults {
    /// Parses `disconnect-after=N,reject=HEX,stall-after=N,busy-polls=N,interim=N,delay=MS`
    /// (the `MINISTAGE_VIRTUAL_FAULTS` variable, for end-to-end tests of the CLI).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let mut faults = Faults::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("fault {item:?} needs a value (key=value)"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("fault {key}: {value:?} is not a number"))
            };
            match key {
                "disconnect-after" => faults.disconnect_after = Some(number()?),
                "stall-after" => faults.stall_after = Some(number()?),
                "busy-polls" => faults.busy_polls = number()? as u32,
                "interim" => faults.interim_replies = number()? as u32,
                "delay" => faults.delay_ms = number()?,
                "reject" => faults.reject.push(
                    from_hex(value).ok_or_else(|| format!("fault reject: {value:?} is not hex"))?,
                ),
                other => return Err(format!("unknown fault {other:?}")),
            }
        }
        Ok(faults)
    }

    pub fn rejects(&self, command: &[u8]) -> bool {
        self.reject.iter().any(|p| command.starts_with(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        let f = Faults::parse("disconnect-after=12, reject=1840ff, busy-polls=2").unwrap();
        assert_eq!(f.disconnect_after, Some(12));
        assert!(f.rejects(&[0x18, 0x40, 0xff, 0x01]));
        assert!(!f.rejects(&[0x18, 0x43]));
        assert_eq!(f.busy_polls, 2);
        assert_eq!(Faults::parse("delay=25").unwrap().delay_ms, 25);
        assert!(Faults::parse("nonsense").is_err());
        assert!(Faults::parse("reject=xyz").is_err());
    }
}
