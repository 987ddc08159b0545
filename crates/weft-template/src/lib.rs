//! weft-template
