//! weft-replay
