//! Deterministic identifiers: the same seed gives the same UUIDs, so demo
//! links and benchmark fixtures are stable between runs.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use uuid::{Builder, Uuid};

pub fn uuid(rng: &mut ChaCha8Rng) -> Uuid {
    let mut bytes = [0u8; 16];
    rng.fill_bytes(&mut bytes);
    Builder::from_random_bytes(bytes).into_uuid()
}
