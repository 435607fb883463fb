//! Rate limits held in memory only: a client's address is used as a key for
//! a few minutes and never stored or logged.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;

/// A token bucket per key: `capacity` tries, refilled at `per_second`.
pub struct Throttle {
    buckets: Mutex<HashMap<String, Bucket>>,
    capacity: f64,
    per_second: f64,
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Throttle {
    pub fn new(capacity: u32, refill_every: Duration) -> Throttle {
        Throttle {
            buckets: Mutex::new(HashMap::new()),
            capacity: f64::from(capacity),
            per_second: 1.0 / refill_every.as_secs_f64(),
        }
    }

    fn with_bucket<T>(&self, key: &str, f: impl FnOnce(&mut Bucket) -> T) -> T {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if buckets.len() > 100_000 {
            // Forget full buckets: they hold nothing worth keeping.
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < capacity);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket { tokens: self.capacity, at: now });
        bucket.tokens =
            (bucket.tokens + now.duration_since(bucket.at).as_secs_f64() * self.per_second).min(self.capacity);
        bucket.at = now;
        f(bucket)
    }

    /// Whether a try is allowed now, without using it.
    pub fn allows(&self, key: &str) -> bool {
        self.with_bucket(key, |b| b.tokens >= 1.0)
    }

    /// Uses a try. Returns whether one was left.
    pub fn hit(&self, key: &str) -> bool {
        self.with_bucket(key, |b| {
            if b.tokens >= 1.0 {
                b.tokens -= 1.0;
                true
            } else {
                false
            }
        })
    }
}

/// The address of the connection's other end. Behind a reverse proxy this
/// is the proxy; limits then apply to everyone together, so set them with
/// that in mind (see README).
pub fn client_key(req: &HttpRequest) -> String {
    req.peer_addr().map(|a| a.ip()).unwrap_or(IpAddr::from([0, 0, 0, 0])).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_runs_out_and_refills() {
        let t = Throttle::new(3, Duration::from_millis(20));
        assert!(t.hit("a") && t.hit("a") && t.hit("a"));
        assert!(!t.hit("a"));
        assert!(!t.allows("a"));
        assert!(t.hit("b"), "keys are separate");
        std::thread::sleep(Duration::from_millis(30));
        assert!(t.allows("a") && t.hit("a"));
    }
}
