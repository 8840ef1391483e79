//! Argon2id password hashing. The work is deliberately slow (tens of
//! milliseconds and megabytes of memory), so it runs on tokio's blocking
//! threads and never holds up other requests; and since each hash holds
//! its memory while it runs, only a few run at once (`HashingGate`), so a
//! flood of sign-ins is refused rather than exhausting the server.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::AppError;
use crate::settings::PasswordHashing;

/// The longest a sign-in waits for its turn to hash.
const MAX_WAIT: Duration = Duration::from_secs(10);
/// What a refused client is told to wait before trying again.
const RETRY_AFTER_SECONDS: u32 = 2;

#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    /// Verified against when an account does not exist, so that a sign-in
    /// takes as long either way. Verifying costs what the parameters in the
    /// hash say whatever the hash is, so it needs no hashing to make.
    dummy_hash: String,
    gate: Arc<HashingGate>,
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
        let running = match cost.max_concurrent {
            0 => std::thread::available_parallelism().map_or(1, usize::from),
            n => n as usize,
        };
        Ok(PasswordHasher {
            params,
            dummy_hash,
            gate: Arc::new(HashingGate::new(running, cost.max_waiting as usize)),
        })
    }

    fn argon2(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// A PHC string (`$argon2id$v=19$m=…`) with a fresh random salt.
    pub async fn hash(&self, password: &str) -> Result<String, AppError> {
        let argon2 = self.argon2();
        let password = password.to_owned();
        self.off_thread(move || {
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
        let matches = self
            .off_thread(move || {
                PasswordHash::new(&candidate).is_ok_and(|parsed| {
                    argon2.verify_password(password.as_bytes(), &parsed).is_ok()
                })
            })
            .await?;
        Ok(matches && known)
    }

    /// Runs `work` on a blocking thread once the gate lets it in.
    async fn off_thread<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let permit = self.gate.enter().await?;
        tokio::task::spawn_blocking(move || {
            let _running = permit;
            work()
        })
        .await
        .map_err(|e| AppError::Hashing(format!("password hashing stopped: {e}")))
    }
}

/// Lets `running` hashes run at once and `waiting` more wait for a turn
/// (for at most `MAX_WAIT`); everything beyond is refused at once with
/// `AppError::Busy`. Memory use is then at most `running` hashes' worth,
/// however many sign-ins arrive.
struct HashingGate {
    turns: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl HashingGate {
    fn new(running: usize, max_waiting: usize) -> Self {
        HashingGate {
            turns: Arc::new(Semaphore::new(running.max(1))),
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
    }

    async fn enter(&self) -> Result<OwnedSemaphorePermit, AppError> {
        if let Ok(turn) = self.turns.clone().try_acquire_owned() {
            return Ok(turn);
        }
        let busy = AppError::Busy {
            retry_after_seconds: RETRY_AFTER_SECONDS,
        };
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(busy);
        }
        // Counted out however the wait ends, even if the request is
        // dropped while waiting.
        let _waiting = Waiting(&self.waiting);
        match tokio::time::timeout(MAX_WAIT, self.turns.clone().acquire_owned()).await {
            Ok(Ok(turn)) => Ok(turn),
            _ => Err(busy),
        }
    }
}

struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
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
            ..PasswordHashing::default()
        })
        .unwrap()
    }

    /// Finding 13: every sign-in hashed at once, so a flood could hold
    /// gigabytes. The gate runs a few, queues a few and refuses the rest.
    #[tokio::test]
    async fn the_gate_runs_some_queues_some_and_refuses_the_rest() {
        let gate = Arc::new(HashingGate::new(1, 1));
        let running = gate.enter().await.unwrap();
        let queued = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.map(drop) }
        });
        while gate.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            gate.enter().await,
            Err(AppError::Busy {
                retry_after_seconds: RETRY_AFTER_SECONDS
            })
        ));
        drop(running);
        queued.await.unwrap().expect("the queued one gets its turn");
        assert_eq!(gate.waiting.load(Ordering::SeqCst), 0);
        let again = gate.enter().await;
        assert!(again.is_ok(), "free again");

        // A request dropped while waiting leaves the queue.
        let waiter = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.map(drop) }
        });
        while gate.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(gate.waiting.load(Ordering::SeqCst), 0);
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
            ..PasswordHashing::default()
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
            ..PasswordHashing::default()
        });
        assert!(err.is_err());
    }
}
