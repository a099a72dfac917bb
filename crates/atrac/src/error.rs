//! The one error type of the codec module.

use std::io;

/// Why a Sony file could not be probed, opened or decoded.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    #[error("cannot read the file: {0}")]
    Io(#[from] io::Error),
    #[error("not a recognised Sony audio file (OMA/OMG/AA3, AT3/WAV with ATRAC, or AEA)")]
    UnknownFormat,
    #[error("broken {container} header: {detail}")]
    BadHeader {
        container: &'static str,
        detail: String,
    },
    #[error("the file ends inside its {0} header (truncated?)")]
    Truncated(&'static str),
    #[error("{0}")]
    Unsupported(String),
    #[error("this track is protected by OpenMG DRM and cannot be played or converted")]
    Protected,
    #[error("corrupt {codec} frame: {detail}")]
    BadFrame { codec: &'static str, detail: String },
}

impl CodecError {
    /// A container header that cannot be read.
    pub fn header(container: &'static str, detail: impl Into<String>) -> Self {
        Self::BadHeader {
            container,
            detail: detail.into(),
        }
    }

    /// A frame that cannot be decoded.
    pub fn frame(codec: &'static str, detail: impl Into<String>) -> Self {
        Self::BadFrame {
            codec,
            detail: detail.into(),
        }
    }
}

/// Maps an unexpected end of file while reading a header to [`CodecError::Truncated`].
pub(crate) fn truncated_as(container: &'static str) -> impl Fn(io::Error) -> CodecError {
    move |e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            CodecError::Truncated(container)
        } else {
            CodecError::Io(e)
        }
    }
}
