//! Text that comes from files and devices: sanitising, folding for search, natural order for
//! sorting names, and display width.

mod natural;
mod sanitize;
mod width;

pub use natural::{NaturalKey, natural_cmp, natural_key};
pub use sanitize::{clean, fold};
pub use width::{fit, for_display, truncate_to_width, width};
