//! A small HyperLogLog (Flajolet et al. 2007, with the small-range linear
//! counting correction) for distinct counts of high-cardinality columns.
//! 2^12 one-byte registers give about 1.6 % standard error in 4 KiB, which
//! is plenty for a profile and keeps one sketch per column cheap.

use std::hash::{BuildHasher, Hasher};

const P: u32 = 12;
const M: usize = 1 << P;

/// A fast, non-cryptographic 64-bit hash (FxHash's multiply-rotate over
/// 8-byte words, finished with MurmurHash3's avalanche). The standard
/// library's SipHash is several times slower on the short strings that fill
/// government tables, and hash flooding is not a concern for in-process
/// profiling of a department's own data.
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            h = (h.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(SEED);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            h = (h.rotate_left(5) ^ tail_word(rest) ^ ((rest.len() as u64) << 56))
                .wrapping_mul(SEED);
        }
        self.0 = h;
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(SEED);
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(SEED);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn finish(&self) -> u64 {
        fmix64(self.0)
    }
}

/// The 1–7 bytes of `rest` as a little-endian word padded with zeros, read
/// with at most three loads: copying them into a zeroed buffer and reading
/// that back costs a library call and a store-forwarding stall per value.
fn tail_word(rest: &[u8]) -> u64 {
    let n = rest.len();
    let mut word = 0u64;
    let mut at = 0;
    if n >= 4 {
        let mut w = [0u8; 4];
        w.copy_from_slice(&rest[..4]);
        word = u64::from(u32::from_le_bytes(w));
        at = 4;
    }
    if n - at >= 2 {
        let mut w = [0u8; 2];
        w.copy_from_slice(&rest[at..at + 2]);
        word |= u64::from(u16::from_le_bytes(w)) << (8 * at);
        at += 2;
    }
    if n > at {
        word |= u64::from(rest[at]) << (8 * at);
    }
    word
}

/// Builds [`FastHasher`]s for `HashMap`s.
#[derive(Default, Clone, Copy)]
pub struct FastBuild;

impl BuildHasher for FastBuild {
    type Hasher = FastHasher;
    fn build_hasher(&self) -> FastHasher {
        FastHasher::default()
    }
}

fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// Hashes a byte string with [`FastHasher`].
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = FastHasher::default();
    h.write(bytes);
    h.finish()
}

/// The sketch itself.
#[derive(Clone)]
pub struct HyperLogLog {
    registers: Box<[u8; M]>,
}

impl Default for HyperLogLog {
    fn default() -> Self {
        Self {
            registers: Box::new([0; M]),
        }
    }
}

impl HyperLogLog {
    /// Adds a value by its 64-bit hash.
    pub fn add_hash(&mut self, hash: u64) {
        let index = (hash >> (64 - P)) as usize;
        let rest = (hash << P) | (1 << (P - 1));
        #[allow(clippy::cast_possible_truncation)]
        let rank = rest.leading_zeros() as u8 + 1;
        if self.registers[index] < rank {
            self.registers[index] = rank;
        }
    }

    /// The estimated number of distinct values added.
    pub fn estimate(&self) -> u64 {
        #[allow(clippy::cast_precision_loss)]
        let m = M as f64;
        let alpha = 0.7213 / (1.0 + 1.079 / m);
        let sum: f64 = self
            .registers
            .iter()
            .map(|&r| 2f64.powi(-i32::from(r)))
            .sum();
        let raw = alpha * m * m / sum;
        let zeros = self.registers.iter().filter(|&&r| r == 0).count();
        #[allow(clippy::cast_precision_loss)]
        let estimate = if raw <= 2.5 * m && zeros > 0 {
            m * (m / zeros as f64).ln()
        } else {
            raw
        };
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let out = estimate.round() as u64;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_word_is_the_padded_little_endian_word() {
        let bytes = [1u8, 2, 3, 4, 5, 6, 7];
        for n in 1..=7 {
            let mut w = [0u8; 8];
            w[..n].copy_from_slice(&bytes[..n]);
            assert_eq!(tail_word(&bytes[..n]), u64::from_le_bytes(w), "{n}");
        }
    }

    #[test]
    fn estimates_within_a_few_percent() {
        let mut h = HyperLogLog::default();
        for i in 0..200_000u64 {
            h.add_hash(hash_bytes(format!("value-{i}").as_bytes()));
        }
        let e = h.estimate();
        assert!((190_000..210_000).contains(&e), "estimate {e}");
        let mut small = HyperLogLog::default();
        for i in 0..100u64 {
            small.add_hash(hash_bytes(&i.to_le_bytes()));
            small.add_hash(hash_bytes(&i.to_le_bytes()));
        }
        assert!((97..=103).contains(&small.estimate()));
    }
}
