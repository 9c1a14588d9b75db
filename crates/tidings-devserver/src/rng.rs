//! A tiny deterministic mixer for the chaos scenario. No randomness source on purpose:
//! the same seed and connection number must always cut at the same byte.

/// SplitMix64 finaliser: a well-distributed 64-bit hash of `x`.
pub fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Byte offset (1..=max) at which connection `conn_no` of a chaos stream with `seed` is cut.
pub fn cut_offset(seed: u64, conn_no: u64, max: u64) -> u64 {
    let max = max.max(1);
    splitmix64(seed ^ splitmix64(conn_no)) % max + 1
}
