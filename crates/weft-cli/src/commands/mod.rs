//! One module per `weft` subcommand.

pub mod accounts;
pub mod env;
pub mod eval;
pub mod replay;
pub mod run;
pub mod runs;
pub mod schema;
pub mod serve;
pub mod token;
pub mod validate;
