//! weft-connector
