//! Argon2id password hashing. The work is deliberately slow (tens of
//! milliseconds and megabytes of memory), so it runs on tokio's blocking
//! threads and never holds up other requests.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::AppError;
use crate::settings::PasswordHashing;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// Verified against when an account does not exist, so that a sign-in
    /// takes as long either way. Verifying costs what the parameters in the
    /// hash say whatever the hash is, so it needs no hashing to make.
    dummy_hash: String,
}

impl PasswordHasher {
    pub fn new(cost: &PasswordHashing) -> Result<Self, AppError> {
        let params = Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None)
            .map_err(|e| AppError::Hashing(format!("invalid password_hashing settings: {e}")))?;
        let dummy_hash = format!(
            "$argon2id$v=19$m={},t={},p={}$c2FsdHNhbHRzYWx0c2FsdA${}",
            params.m_cost(),
            params.t_cost(),
            params.p_cost(),
            "A".repeat(43)
        );
        Ok(PasswordHasher { params, dummy_hash })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        off_thread(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| AppError::Hashing(e.to_string()))
        })
        .await?
    }

    /// Checks `password` against a stored hash, using the cost recorded in
    /// the hash itself (so raising the cost does not lock anyone out).
    /// `None` (no account, or no password yet) always fails, after the
    /// same work as a real check.
    pub async fn verify(&self, password: &str, stored: Option<&str>) -> Result<bool, AppError> {
        let known = stored.is_some();
        let candidate = stored.unwrap_or(&self.dummy_hash).to_owned();
        let argon2 = self.argon2();
        let password = password.to_owned();
        let matches = off_thread(move || {
            PasswordHash::new(&candidate)
                .is_ok_and(|parsed| argon2.verify_password(password.as_bytes(), &parsed).is_ok())
        })
        .await?;
        Ok(matches && known)
    }
}

async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Hashing(format!("password hashing stopped: {e}")))
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

    #[tokio::test]
    async fn hashes_with_argon2id_and_verifies() {
        let hasher = cheap();
        let hash = hasher.hash("correct horse battery").await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{hash}");
        assert!(
            hasher
                .verify("correct horse battery", Some(&hash))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("correct horse batterY", Some(&hash))
                .await
                .unwrap()
        );
        assert_ne!(
            hash,
            hasher.hash("correct horse battery").await.unwrap(),
            "salted"
        );
    }

    #[tokio::test]
    async fn missing_or_garbled_hashes_never_verify() {
        let hasher = cheap();
        assert!(!hasher.verify("anything", None).await.unwrap());
        assert!(!hasher.verify("anything", Some("not a hash")).await.unwrap());
    }

    /// The stand-in for a missing account must be a well-formed hash at the
    /// configured cost, or the check would fail fast and give the game away.
    #[test]
    fn the_stand_in_hash_costs_what_a_real_one_does() {
        let hasher = cheap();
        let parsed = PasswordHash::new(&hasher.dummy_hash).unwrap();
        assert_eq!(parsed.algorithm.as_str(), "argon2id");
        let params = Params::try_from(&parsed).unwrap();
        let cost = |p: &Params| (p.m_cost(), p.t_cost(), p.p_cost());
        assert_eq!(cost(&params), cost(&hasher.params));
        assert_eq!(
            parsed.hash.unwrap().len(),
            argon2::Params::DEFAULT_OUTPUT_LEN
        );
    }

    #[tokio::test]
    async fn hashes_made_at_another_cost_still_verify() {
        let old = cheap().hash("correct horse battery").await.unwrap();
        let stronger = PasswordHasher::new(&PasswordHashing {
            memory_kib: 128,
            iterations: 2,
            parallelism: 1,
        })
        .unwrap();
        assert!(
            stronger
                .verify("correct horse battery", Some(&old))
                .await
                .unwrap()
        );
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
