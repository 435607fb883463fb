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
