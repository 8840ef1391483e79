//! Preparing a batch of records for one multi-row upsert.

use std::collections::HashMap;
use std::hash::Hash;

/// The last of each record with the same key, in the order keys were first
/// seen. Feeds repeat records (every service names its terms again), and
/// PostgreSQL refuses to upsert one row twice in a statement; keeping the
/// last copy gives the same result as writing them one by one.
pub fn last_of_each<T, K: Hash + Eq>(items: Vec<T>, key: impl Fn(&T) -> K) -> Vec<T> {
    let mut position: HashMap<K, usize> = HashMap::with_capacity(items.len());
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for item in items {
        match position.get(&key(&item)) {
            Some(&i) => kept[i] = item,
            None => {
                position.insert(key(&item), kept.len());
                kept.push(item);
            }
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_copies_replace_earlier_ones_in_place() {
        let items = vec![(1, "a"), (2, "b"), (1, "c"), (3, "d"), (2, "e")];
        assert_eq!(
            last_of_each(items, |(k, _)| *k),
            vec![(1, "c"), (2, "e"), (3, "d")]
        );
        assert!(last_of_each(Vec::<(u8, u8)>::new(), |(k, _)| *k).is_empty());
    }
}
