//! Serve a recorded HAR 1.2 file over real HTTP, so that connectors and batches can
//! be tested against recorded API traffic without reaching the real API.
//!
//! [`Har`] is the parsed file ([`Har::from_path`], or `str::parse`). [`serve`] checks
//! every entry, binds a loopback socket and responds to each request with the most
//! specific recorded entry that matches it. It returns a [`ReplayServer`] that
//! reports its address, the requests it received and how often each entry was served.
//!
//! # Matching
//!
//! An entry matches a request when:
//!
//! - the methods are equal and the paths are equal after percent-decoding (scheme,
//!   host and port are ignored);
//! - every query parameter in the entry's URL is in the request with the same
//!   decoded value (extra request parameters are ignored);
//! - when the entry recorded a JSON object body, every top-level key of it is in the
//!   request's JSON body with an equal value; any other recorded body must equal the
//!   request body exactly.
//!
//! Among matching entries the ones with the most recorded query parameters and body
//! keys win. Equally specific entries are served in file order, one per request, and the
//! last one repeats. A request that matches nothing gets a 404 whose JSON body names
//! the closest entries and how they differ.

mod error;
mod har;
mod matcher;
mod prepare;
mod server;

pub use error::ReplayError;
pub use har::{Content, Entry, Har, Log, NameValue, PostData, Request, Response};
pub use matcher::Closest;
pub use server::{LoggedRequest, ReplayServer, serve};
