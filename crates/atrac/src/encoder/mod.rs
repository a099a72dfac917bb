//! The ATRAC3 encoder.

mod analysis;
