//! weft-transform
