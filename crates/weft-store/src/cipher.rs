//! Authenticated encryption of secret context fields (XChaCha20-Poly1305).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::StoreError;
use crate::key::Key;

/// Nonce length of XChaCha20: 192 bits, large enough to pick at random per message.
const NONCE_LEN: usize = 24;

/// Encrypts and decrypts with the store's key.
pub(crate) struct Cipher {
    aead: XChaCha20Poly1305,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Cipher { .. }")
    }
}

impl Cipher {
    pub(crate) fn new(key: &Key) -> Cipher {
        let key: &chacha20poly1305::Key = key.as_slice().try_into().expect("keys are 32 bytes");
        let aead = XChaCha20Poly1305::new(key);
        Cipher { aead }
    }

    /// Encrypts `plaintext` bound to `aad` (the record it belongs to, so a sealed
    /// value copied into another record fails to decrypt). Returns base64 of
    /// nonce followed by ciphertext and tag.
    pub(crate) fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<String, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|error| StoreError::Random(error.to_string()))?;
        let payload = Payload {
            msg: plaintext,
            aad,
        };
        let ciphertext = self
            .aead
            .encrypt(&XNonce::from(nonce), payload)
            .map_err(|_| StoreError::Random("encryption failed".to_owned()))?;

        let mut sealed = nonce.to_vec();
        sealed.extend_from_slice(&ciphertext);
        Ok(BASE64.encode(sealed))
    }

    /// Decrypts a value made by [`Cipher::seal`] with the same `aad`; `None` when the
    /// key, the `aad` or the bytes do not match.
    pub(crate) fn open(&self, sealed: &str, aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let bytes = BASE64.decode(sealed).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        let payload = Payload {
            msg: ciphertext,
            aad,
        };
        let plaintext = self.aead.decrypt(&XNonce::from(nonce), payload).ok()?;
        Some(Zeroizing::new(plaintext))
    }
}
