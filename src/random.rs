//! Random bytes and ids from the operating system, for every folder: kept
//! apart from `lib.rs` so the folders below the stages import nothing above them.

/// Fills `buf` from the operating system's random source.
pub fn random_bytes(buf: &mut [u8]) {
    getrandom::fill(buf).expect("the operating system's random source is available");
}

/// A random 128-bit id, as 32 hex digits.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    random_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Puts `items` in a uniformly random order (Fisher–Yates), from the
/// operating system's random source.
pub fn shuffle<T>(items: &mut [T]) {
    if items.len() < 2 {
        return;
    }
    let mut draws = vec![0u8; 8 * items.len()];
    random_bytes(&mut draws);
    for (i, draw) in (1..items.len()).rev().zip(draws.chunks_exact(8)) {
        let draw = u64::from_le_bytes(draw.try_into().expect("chunks of eight bytes"));
        // Lemire's multiply-shift: a 64-bit draw onto 0..=i; the bias is
        // below 2^-40 for any batch this is given.
        let j = ((u128::from(draw) * (i as u128 + 1)) >> 64) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::shuffle;

    #[test]
    fn a_shuffle_keeps_every_item_and_moves_them() {
        let original: Vec<u32> = (0..200).collect();
        let mut shuffled = original.clone();
        shuffle(&mut shuffled);
        let mut sorted = shuffled.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, original, "the same items");
        // The chance that 200 items all land within 10 places of where they were is nil.
        assert!(shuffled.iter().zip(&original).any(|(a, b)| a.abs_diff(*b) > 10));
        // Every place is reachable: over many shuffles of three, all six orders come up.
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let mut three = [0, 1, 2];
            shuffle(&mut three);
            seen.insert(three);
        }
        assert_eq!(seen.len(), 6);
    }
}
