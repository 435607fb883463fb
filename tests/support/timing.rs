//! Whether two kinds of request take the same time, for the tests that show
//! an observer timing answers learns nothing from them.
//!
//! The kinds are asked in turn, round after round, the order turning each
//! round, so a change in the machine's speed falls on every kind alike. Two
//! series are compared by the chance that a request of one took longer than
//! a request of the other (Mann–Whitney's U over the number of pairs): ½
//! when neither is slower. What counts as noise is that same measure
//! between two series of one kind asked the same way, and never less than
//! chance alone would give.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

/// How far from ½, in standard deviations of chance alone, two kinds may
/// be: past 4, chance alone does it about once in 16,000 comparisons.
const CHANCE_LIMIT: f64 = 4.0;
/// How many times the noise between two series of one kind they may be.
const NOISE_LIMIT: f64 = 2.0;

/// The timings of one kind of request.
pub struct Series {
    pub kind: &'static str,
    pub times: Vec<Duration>,
}

impl Series {
    pub fn new(kind: &'static str) -> Series {
        Series { kind, times: Vec::new() }
    }

    /// The `q` quantile (0 to 1) of the times.
    pub fn quantile(&self, q: f64) -> Duration {
        let mut sorted = self.times.clone();
        sorted.sort();
        sorted[((sorted.len() - 1) as f64 * q).round() as usize]
    }

    pub fn median(&self) -> Duration {
        self.quantile(0.5)
    }

    /// "median (quartiles)" in microseconds.
    fn summary(&self) -> String {
        let us = |q| self.quantile(q).as_micros();
        format!("{} µs ({}–{})", us(0.5), us(0.25), us(0.75))
    }
}

/// The chance that a request from `b` took longer than one from `a`, ties
/// counting half.
pub fn chance_longer(a: &Series, b: &Series) -> f64 {
    let pairs = (a.times.len() * b.times.len()) as f64;
    let wins: f64 = a
        .times
        .iter()
        .flat_map(|x| {
            b.times.iter().map(move |y| {
                if y > x {
                    1.0
                } else if y == x {
                    0.5
                } else {
                    0.0
                }
            })
        })
        .sum();
    wins / pairs
}

/// How far [`chance_longer`] strays from ½ by chance alone (one standard
/// deviation) between series of these lengths.
fn by_chance(a: usize, b: usize) -> f64 {
    let (a, b) = (a as f64, b as f64);
    ((a + b + 1.0) / (12.0 * a * b)).sqrt()
}

/// Panics when any of `others` is slower or quicker than `a` beyond the
/// noise, the noise being how far `a` is from `again`, a second series of
/// `a`'s kind asked in the same rounds. Prints what it found either way.
pub fn assert_alike(a: &Series, again: &Series, others: &[Series]) {
    let noise = (chance_longer(a, again) - 0.5).abs();
    eprintln!("{} {}; again {}: P(slower) − ½ = {noise:.3}", a.kind, a.summary(), again.summary());
    let mut told = Vec::new();
    for b in others {
        let apart = chance_longer(a, b) - 0.5;
        let limit = (CHANCE_LIMIT * by_chance(a.times.len(), b.times.len())).max(NOISE_LIMIT * noise);
        eprintln!("  {} {}: P(slower) − ½ = {apart:+.3}, limit {limit:.3}", b.kind, b.summary());
        if apart.abs() > limit {
            told.push(format!("{} takes {} and {} {}", b.kind, b.summary(), a.kind, a.summary()));
        }
    }
    assert!(told.is_empty(), "an observer timing them can tell them apart: {}", told.join("; "));
}

/// A loopback address of its own for the `n`th client, so that no
/// per-client limit answers instead of the page being timed.
pub fn loopback(n: usize) -> IpAddr {
    let n = u32::try_from(n).expect("fewer clients than addresses");
    IpAddr::V4(Ipv4Addr::new(127, 10 + (n / 62_500) as u8, (n / 250 % 250) as u8, (n % 250 + 1) as u8))
}

/// A client with cookies, not following redirects, from [`loopback`]`(n)`.
pub fn client_from(n: usize) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(loopback(n))
        .build()
        .expect("an HTTP client")
}

/// The order of `kinds` kinds in round `round`: shuffled afresh each round
/// (the same way each run), so no kind always follows the same other and
/// none takes the work another leaves behind.
pub fn order(kinds: usize, round: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..kinds).collect();
    let mut state = round as u64;
    for i in (1..kinds).rev() {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        order.swap(i, (z % (i as u64 + 1)) as usize);
    }
    order
}
