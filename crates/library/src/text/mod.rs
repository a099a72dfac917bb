//! Text that comes from files and devices: sanitising, folding for search, and display width.

mod sanitize;
mod width;

pub use sanitize::{clean, fold};
pub use width::{fit, for_display, truncate_to_width, width};
