//! Sony formats: OpenMG/OMA, RIFF ATRAC and AEA containers, and the in-crate ATRAC decoders.
