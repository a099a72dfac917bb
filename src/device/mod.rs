//! NetMD recorders over USB, and the virtual deck that answers the same USB transfers.
