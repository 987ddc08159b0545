//! weft-spec
