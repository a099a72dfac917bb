//! SP send preparation speed (decode, convert, encrypt): filled in below.

fn main() {}
