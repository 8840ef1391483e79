//! Random secrets and their stored form.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use sha2::{Digest, Sha256};

/// 256 random bits from the operating system's CSPRNG (via `rand`'s
/// thread RNG, which is seeded and periodically reseeded from it),
/// URL-safe.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored for a session token or one-time link: its SHA-256. The
/// token has 256 bits of entropy, so a fast hash is enough.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A password generated for a new account: 20 characters from an alphabet
/// without look-alikes (no 0/O, 1/l/I), about 115 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    random_chars(ALPHABET, 20)
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Seals the few secrets Linkwork must read back, unlike passwords and
/// tokens, which it only ever compares (and so keeps as hashes): each
/// account's TOTP secret and each organisation's single sign-on client
/// secret. AES-256-GCM under the instance's `secret_key`, kept outside
/// the database, so a copy of the database alone reveals none of them.
/// Each sealed value is bound to what it is for (`context`, e.g. the
/// account's id), so one cannot be moved to another row.
pub struct SealingKey(LessSafeKey);

/// What is wrong with a configured `secret_key`, or a sealed value that
/// will not open (a different key, or a changed value).
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error(
        "secret_key must be 32 random bytes in base64 (make one with `openssl rand -base64 32`)"
    )]
    BadKey,
    #[error("a sealed secret could not be opened: was secret_key changed?")]
    Unreadable,
}

const SEALED_PREFIX: &str = "v1.";

impl SealingKey {
    /// The key from its setting: 32 bytes in base64.
    pub fn from_base64(encoded: &str) -> Result<Self, SealError> {
        let bytes = STANDARD
            .decode(encoded.trim())
            .or_else(|_| URL_SAFE_NO_PAD.decode(encoded.trim()))
            .map_err(|_| SealError::BadKey)?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| SealError::BadKey)?;
        Ok(SealingKey(LessSafeKey::new(key)))
    }

    /// A new random key, in the form the setting takes.
    pub fn generate_base64() -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        STANDARD.encode(bytes)
    }

    /// `v1.` and the random nonce with the ciphertext, in base64url.
    pub fn seal(&self, secret: &[u8], context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut data = secret.to_vec();
        self.0
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(context.as_bytes()),
                &mut data,
            )
            .expect("AES-GCM seals any length Linkwork uses");
        let mut out = nonce.to_vec();
        out.extend(data);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    pub fn open(&self, sealed: &str, context: &str) -> Result<Vec<u8>, SealError> {
        let bytes = sealed
            .strip_prefix(SEALED_PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .filter(|b| b.len() > NONCE_LEN)
            .ok_or(SealError::Unreadable)?;
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Unreadable)?;
        let mut data = data.to_vec();
        let plain = self
            .0
            .open_in_place(nonce, Aad::from(context.as_bytes()), &mut data)
            .map_err(|_| SealError::Unreadable)?;
        Ok(plain.to_vec())
    }
}

/// `count` random characters from `alphabet`.
pub fn random_chars(alphabet: &[u8], count: usize) -> String {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| alphabet[(rng.next_u32() as usize) % alphabet.len()] as char)
        .collect()
}

/// `N` random bytes.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secrets_open_only_with_their_key_and_context() {
        let key = SealingKey::from_base64(&SealingKey::generate_base64()).unwrap();
        let sealed = key.seal(b"totp secret", "totp:1");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("totp secret"));
        assert_ne!(sealed, key.seal(b"totp secret", "totp:1"), "random nonce");
        assert_eq!(key.open(&sealed, "totp:1").unwrap(), b"totp secret");
        assert!(key.open(&sealed, "totp:2").is_err(), "bound to its row");
        let other = SealingKey::from_base64(&SealingKey::generate_base64()).unwrap();
        assert!(other.open(&sealed, "totp:1").is_err());
        assert!(key.open("v1.AAAA", "totp:1").is_err());
        assert!(SealingKey::from_base64("c2hvcnQ=").is_err());
    }

    #[test]
    fn tokens_are_long_unique_and_url_safe() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn hashes_are_stable_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn generated_passwords_avoid_look_alikes() {
        let p = generate_password();
        assert_eq!(p.chars().count(), 20);
        assert!(!p.contains(['0', 'O', '1', 'l', 'I']));
        assert_ne!(p, generate_password());
    }

    #[test]
    fn compares_secrets() {
        assert!(constant_time_eq("same", "same"));
        assert!(!constant_time_eq("same", "sane"));
        assert!(!constant_time_eq("same", "sam"));
    }
}
