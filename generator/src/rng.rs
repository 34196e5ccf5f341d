//! Deterministic pseudo-random numbers: xoshiro256** seeded through SplitMix64.
//!
//! Written here rather than taken from a crate so that a seed gives the same data forever: nothing
//! but this file decides the streams. Every department, department-year, youth and noise stream has
//! its own generator, seeded by [`key`] from the run's seed and fixed labels, so that no stream
//! depends on the order in which threads run.

/// One step of SplitMix64: advances `state` and returns a well-mixed word.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A 64-bit key mixing `words` in order: the seed of an independent stream.
pub(crate) fn key(words: &[u64]) -> u64 {
    words.iter().fold(0x6A09_E667_F3BC_C908, |h, &w| {
        let mut state = h ^ w;
        splitmix64(&mut state)
    })
}

/// FNV-1a hash of a label (e.g. a department code), to use it in a [`key`].
pub(crate) fn text_key(s: &str) -> u64 {
    s.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3)
    })
}

/// A xoshiro256** generator.
#[derive(Debug, Clone)]
pub(crate) struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator whose whole stream is decided by `seed`.
    pub(crate) fn new(seed: u64) -> Rng {
        let mut state = seed;
        Rng {
            s: [
                splitmix64(&mut state),
                splitmix64(&mut state),
                splitmix64(&mut state),
                splitmix64(&mut state),
            ],
        }
    }

    /// The next 64 random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1).
    pub(crate) fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    /// A uniformly chosen item of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An item chosen with probability proportional to its weight.
    pub(crate) fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> T {
        let total: u32 = items.iter().map(|&(_, w)| w).sum();
        let mut x = self.below(u64::from(total)) as u32;
        for &(item, w) in items {
            if x < w {
                return item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// An index chosen with probability proportional to `weights` (not all zero).
    pub(crate) fn index_weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut x = self.f64() * total;
        for (i, &w) in weights.iter().enumerate() {
            if x < w {
                return i;
            }
            x -= w;
        }
        weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
    }

    /// Approximately standard normal (Irwin–Hall: the sum of 12 uniforms, minus 6).
    pub(crate) fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.f64()).sum::<f64>() - 6.0
    }

    /// Log-normal with the given median and log-scale spread.
    pub(crate) fn log_normal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// Pareto with minimum 1 and tail index `alpha`: heavy-tailed counts.
    pub(crate) fn pareto(&mut self, alpha: f64) -> f64 {
        (1.0 - self.f64()).powf(-1.0 / alpha)
    }

    /// Poisson with a small mean (Knuth's method).
    pub(crate) fn poisson(&mut self, mean: f64) -> u32 {
        let limit = (-mean).exp();
        let mut product = self.f64();
        let mut n = 0;
        while product > limit {
            product *= self.f64();
            n += 1;
        }
        n
    }

    /// 128 random bits with the version (4) and variant (10xx) bits of a UUID v4.
    pub(crate) fn uuid(&mut self) -> u128 {
        let raw = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
        (raw & !(0xF << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62)
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Writes the low `digits` hex digits of `value`, lowercase, most significant first.
pub(crate) fn push_hex(out: &mut String, value: u128, digits: u32) {
    for i in (0..digits).rev() {
        out.push(char::from(HEX[((value >> (4 * i)) & 0xF) as usize]));
    }
}

/// A UUID's canonical text: lowercase hex, 8-4-4-4-12. Its order is the order of the number.
pub(crate) fn uuid_string(u: u128) -> String {
    let mut s = String::with_capacity(36);
    push_hex(&mut s, u >> 96, 8);
    s.push('-');
    push_hex(&mut s, u >> 80, 4);
    s.push('-');
    push_hex(&mut s, u >> 64, 4);
    s.push('-');
    push_hex(&mut s, u >> 48, 4);
    s.push('-');
    push_hex(&mut s, u, 12);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_fixed_forever() {
        let mut r = Rng::new(key(&[1, text_key("82")]));
        let first: Vec<u64> = (0..3).map(|_| r.next_u64()).collect();
        let mut again = Rng::new(key(&[1, text_key("82")]));
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_ne!(key(&[1, 2]), key(&[2, 1]));
        assert_eq!(text_key(""), 0xCBF2_9CE4_8422_2325);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut r = Rng::new(7);
        for _ in 0..10_000 {
            let x = r.range(-3, 5);
            assert!((-3..=5).contains(&x));
            let f = r.f64();
            assert!((0.0..1.0).contains(&f));
            assert!(r.pareto(1.5) >= 1.0);
        }
        let mean = (0..20_000).map(|_| f64::from(r.poisson(4.0))).sum::<f64>() / 20_000.0;
        assert!((mean - 4.0).abs() < 0.1, "{mean}");
        assert_eq!(r.weighted(&[('a', 0), ('b', 5)]), 'b');
    }

    #[test]
    fn uuids_are_version_4() {
        let mut r = Rng::new(3);
        for _ in 0..100 {
            let s = uuid_string(r.uuid());
            assert_eq!(s.len(), 36);
            assert_eq!(&s[14..15], "4");
            assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"), "{s}");
            assert!(pdn_schemas::ids::is_event_id(&s));
        }
    }
}
