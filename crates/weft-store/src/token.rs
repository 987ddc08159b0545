//! API tokens: random bearer tokens bound to one environment, stored as SHA-256 hashes.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, SecondsFormat, Utc};
use redb::ReadableDatabase;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{ENVIRONMENTS, TOKEN_HASHES, TOKENS, all_json, get_json, now, put_json};
use crate::{Store, StoreError};

/// Prefix of every API token, so scanners and people can tell what a string is.
pub const TOKEN_PREFIX: &str = "weft_";

/// Random bytes in a token (256 bits).
const TOKEN_BYTES: usize = 32;
const MAX_NAME_LEN: usize = 100;

/// An API token as stored: its hash, never the token itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    /// Identifier for listing and revoking (`tok_` and a UUID).
    pub id: String,
    /// Name given at creation, for people.
    pub name: String,
    /// Environment the token grants access to.
    pub environment: String,
    /// Creation time, RFC 3339 UTC.
    pub created_at: String,
    /// Expiry time, RFC 3339 UTC; `None` never expires.
    pub expires_at: Option<String>,
    /// Revocation time, RFC 3339 UTC.
    pub revoked_at: Option<String>,
    /// Hex SHA-256 of the token.
    #[serde(rename = "sha256")]
    hash: String,
}

/// The fields of an API token to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewApiToken {
    /// Environment name; it must exist.
    pub environment: String,
    /// Name for people, 1 to 100 characters without control characters.
    pub name: String,
    /// Expiry time; `None` never expires.
    pub expires_at: Option<DateTime<Utc>>,
}

/// A newly created token: the only time the plain token is available.
#[derive(Clone)]
pub struct IssuedApiToken {
    /// The stored record.
    pub token: ApiToken,
    /// The token to hand to the client (`weft_` and 43 base64url characters).
    pub secret: String,
}

impl fmt::Debug for IssuedApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedApiToken")
            .field("token", &self.token)
            .field("secret", &crate::secret::REDACTED)
            .finish()
    }
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn validate_name(name: &str) -> Result<(), StoreError> {
    let reason = if name.trim().is_empty() {
        Some("must not be empty")
    } else if name.chars().count() > MAX_NAME_LEN {
        Some("must be at most 100 characters")
    } else if name.chars().any(char::is_control) {
        Some("must not contain control characters")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(StoreError::InvalidName {
            kind: "API token",
            value: name.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

fn is_expired(token: &ApiToken, at: DateTime<Utc>) -> bool {
    let Some(expires_at) = &token.expires_at else {
        return false;
    };
    // An unreadable expiry counts as expired, so a damaged record never grants access.
    DateTime::parse_from_rfc3339(expires_at).map_or(true, |expiry| expiry <= at)
}

impl Store {
    /// Creates an API token for an existing environment and returns it with the plain
    /// token, which is not stored and cannot be shown again.
    pub fn create_api_token(&self, new: NewApiToken) -> Result<IssuedApiToken, StoreError> {
        validate_name(&new.name)?;
        let mut random = zeroize::Zeroizing::new([0u8; TOKEN_BYTES]);
        getrandom::fill(random.as_mut()).map_err(|error| StoreError::Random(error.to_string()))?;
        let secret = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(random.as_ref()));

        let token = ApiToken {
            id: format!("tok_{}", uuid::Uuid::now_v7().simple()),
            name: new.name,
            environment: new.environment,
            created_at: now(),
            expires_at: new
                .expires_at
                .map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true)),
            revoked_at: None,
            hash: hash_token(&secret),
        };
        let txn = self.db.begin_write()?;
        {
            Store::require_environment(&txn.open_table(ENVIRONMENTS)?, &token.environment)?;
            put_json(&mut txn.open_table(TOKENS)?, &token.id, &token)?;
            txn.open_table(TOKEN_HASHES)?
                .insert(token.hash.as_str(), token.id.as_str())?;
        }
        txn.commit()?;
        Ok(IssuedApiToken { token, secret })
    }

    /// Lists API tokens (revoked ones included), oldest first, in one environment or
    /// in all of them.
    pub fn list_api_tokens(&self, environment: Option<&str>) -> Result<Vec<ApiToken>, StoreError> {
        let txn = self.db.begin_read()?;
        let tokens: Vec<ApiToken> = all_json(&txn.open_table(TOKENS)?, "api_tokens")?;
        let mut tokens: Vec<ApiToken> = tokens
            .into_iter()
            .filter(|t| environment.is_none_or(|name| t.environment == name))
            .collect();
        tokens.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
        Ok(tokens)
    }

    /// Revokes a token so it no longer verifies. Returns false when it was revoked
    /// already; fails with [`StoreError::TokenNotFound`] for an unknown id.
    pub fn revoke_api_token(&self, id: &str) -> Result<bool, StoreError> {
        let txn = self.db.begin_write()?;
        let revoked = {
            let mut tokens = txn.open_table(TOKENS)?;
            let mut token: ApiToken = get_json(&tokens, "api_tokens", id)?
                .ok_or_else(|| StoreError::TokenNotFound { id: id.to_owned() })?;
            if token.revoked_at.is_some() {
                false
            } else {
                token.revoked_at = Some(now());
                put_json(&mut tokens, id, &token)?;
                txn.open_table(TOKEN_HASHES)?.remove(token.hash.as_str())?;
                true
            }
        };
        txn.commit()?;
        Ok(revoked)
    }

    /// Returns the environment of a live token, or `None` when the token is unknown,
    /// revoked or expired.
    pub fn verify_api_token(&self, token: &str) -> Result<Option<String>, StoreError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let txn = self.db.begin_read()?;
        let hashes = txn.open_table(TOKEN_HASHES)?;
        let Some(id) = hashes.get(hash_token(token).as_str())? else {
            return Ok(None);
        };
        let record: Option<ApiToken> =
            get_json(&txn.open_table(TOKENS)?, "api_tokens", id.value())?;
        Ok(record
            .filter(|t| t.revoked_at.is_none() && !is_expired(t, Utc::now()))
            .map(|t| t.environment))
    }
}
