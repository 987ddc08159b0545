//! weft-store
