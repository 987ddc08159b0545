//! One module per `weft` subcommand.

pub mod accounts;
pub mod eval;
pub mod replay;
pub mod run;
pub mod schema;
pub mod validate;
