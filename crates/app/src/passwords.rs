//! Argon2id password hashing.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;
use crate::settings::PasswordHashing;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// A hash of a random password, verified against when an account does
    /// not exist so that a sign-in takes as long either way.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new(cost: &PasswordHashing) -> Result<Self, AppError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| AppError::Hashing(format!("invalid password_hashing settings: {e}")))?;
        let mut hasher = PasswordHasher {
            params,
            dummy_hash: String::new(),
        };
        hasher.dummy_hash = hasher.hash(&crate::secrets::random_token())?;
        Ok(hasher)
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub fn hash(&self, password: &str) -> Result<String, AppError> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Hashing(e.to_string()))
    }

    /// Checks `password` against a stored hash, using the cost recorded in
    /// the hash itself (so raising the cost does not lock anyone out).
    /// `None` (no account, or no password yet) always fails, after the
    /// same work as a real check.
    pub fn verify(&self, password: &str, stored: Option<&str>) -> bool {
        let candidate = stored.unwrap_or(&self.dummy_hash);
        let Ok(parsed) = PasswordHash::new(candidate) else {
            return false;
        };
        let matches = self
            .argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        matches && stored.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cheap() -> PasswordHasher {
        PasswordHasher::new(&PasswordHashing {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let hasher = cheap();
        let hash = hasher.hash("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        assert!(hasher.verify("correct horse battery", Some(&hash)));
        assert!(!hasher.verify("correct horse batterY", Some(&hash)));
        assert_ne!(
            hash,
            hasher.hash("correct horse battery").unwrap(),
            "salted"
        );
    }

    #[test]
    fn missing_or_garbled_hashes_never_verify() {
        let hasher = cheap();
        assert!(!hasher.verify("anything", None));
        assert!(!hasher.verify("anything", Some("not a hash")));
    }

    #[test]
    fn hashes_made_at_another_cost_still_verify() {
        let old = cheap().hash("correct horse battery").unwrap();
        let stronger = PasswordHasher::new(&PasswordHashing {
            memory_kib: 128,
            iterations: 2,
            parallelism: 1,
        })
        .unwrap();
        assert!(stronger.verify("correct horse battery", Some(&old)));
    }

    #[test]
    fn rejects_impossible_cost() {
        let err = PasswordHasher::new(&PasswordHashing {
            memory_kib: 1,
            iterations: 0,
            parallelism: 1,
        });
        assert!(err.is_err());
    }
}
