use thiserror::Error;

/// Everything that can go wrong reading or writing a Hi-MD disc.
#[derive(Debug, Error)]
pub enum HimdError {
    /// A file on the disc does not have the layout it must have.
    #[error("{file} is damaged: {reason}")]
    Damaged { file: String, reason: String },
    /// The current track index cannot be read; `backup` names the device's copy when one is
    /// there and reads, so a caller can offer it.
    #[error("the track index {file} is damaged ({reason}){}", backup_hint(.backup.as_deref()))]
    DamagedTrackIndex {
        file: String,
        reason: String,
        backup: Option<String>,
    },
    #[error("this is not a Hi-MD disc: {0}")]
    NotHimd(String),
    #[error("no room on the disc: {0}")]
    NoRoom(String),
    #[error("no track {0} on the disc")]
    NoSuchTrack(usize),
    #[error("the track's codec is not one a Hi-MD disc holds (id {0:#04x})")]
    UnknownCodec(u8),
    /// An edit the disc's rules do not allow (a group over tracks in another, …).
    #[error("{0}")]
    Edit(String),
    /// The unit did not format the disc, or not in time.
    #[error("the disc was not formatted: {0}")]
    Format(String),
    #[error("the file system: {0}")]
    FileSystem(String),
    #[error(transparent)]
    Scsi(#[from] crate::scsi::ScsiError),
    #[error("the authenticated session failed: {0}")]
    Session(String),
    #[error(transparent)]
    Crypto(#[from] netmd::crypto::CryptoError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn backup_hint(backup: Option<&str>) -> String {
    match backup {
        Some(name) => format!("; the device's backup {name} reads and can be used instead"),
        None => "; no readable backup is on the disc".to_string(),
    }
}

impl HimdError {
    pub(crate) fn damaged(file: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::Damaged {
            file: file.into(),
            reason: reason.into(),
        }
    }
}
