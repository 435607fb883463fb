//! Rate limits held in memory only. A client is counted by its address (an
//! IPv6 client by its /64, see [`ClientKey`]), and not even that is kept:
//! the limiter holds a keyed hash of each key, with a key that is new each
//! start, for as long as its bucket is not full again.
//!
//! The arithmetic is governor's (GCRA, the token bucket's exact twin); the
//! state it works on is ours, so that memory stays bounded whatever clients
//! send:
//! - every key is 8 bytes, however long the caller's key was;
//! - at most [`MAX_KEYS`] keys are held. Past that, keys not yet held share
//!   one bucket until room is made, so a client with more addresses than
//!   that cannot grow our memory, nor lift the limit for itself;
//! - a background task forgets keys whose bucket has refilled (every
//!   [`SWEEP_EVERY`], and at once when the store is full). The store is
//!   split into shards, each locked on its own, so neither a sweep nor a
//!   request ever holds the whole map.

use std::hash::{BuildHasher, Hash, RandomState};
use std::num::{NonZeroU32, NonZeroU64};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web::Data;
use dashmap::DashMap;
use governor::clock::DefaultClock;
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::state::keyed::ShrinkableKeyedStateStore;
use governor::{Quota, RateLimiter};
use tokio::sync::Notify;

use crate::web::AppState;
pub use crate::web::client::{ClientKey, client_key};

/// The most keys one throttle holds (about 40 bytes each). Filling it needs
/// this many clients, each with its own IPv4 address or IPv6 /64, inside
/// one refill period.
pub const MAX_KEYS: usize = 250_000;

/// How often keys whose buckets are full again are forgotten.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// Shards of the store, each with its own lock (a power of two).
const SHARDS: usize = 64;

/// A token bucket per key: `capacity` tries, one more every `refill_every`.
pub struct Throttle {
    limiter: Arc<Limiter>,
    /// Hashes keys to the store's 8 bytes. Random per throttle, so no one
    /// outside can choose keys that collide.
    hasher: RandomState,
}

type Limiter = RateLimiter<Slot, Buckets, DefaultClock>;

impl Throttle {
    pub fn new(capacity: u32, refill_every: Duration) -> Throttle {
        Throttle::with_max_keys(capacity, refill_every, MAX_KEYS)
    }

    fn with_max_keys(capacity: u32, refill_every: Duration, max_keys: usize) -> Throttle {
        let period = refill_every.max(Duration::from_nanos(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(NonZeroU32::new(capacity).unwrap_or(NonZeroU32::MIN));
        let full = Arc::new(Notify::new());
        let buckets = Buckets {
            map: DashMap::with_capacity_and_hasher_and_shard_amount(0, RandomState::new(), SHARDS),
            others: AtomicU64::new(0),
            max_keys,
            full: full.clone(),
        };
        let limiter = Arc::new(RateLimiter::new(quota, buckets, DefaultClock::default()));
        spawn_sweeper(Arc::downgrade(&limiter), full);
        Throttle { limiter, hasher: RandomState::new() }
    }

    /// Whether a try is allowed now, without using it.
    pub fn allows<K: Hash + ?Sized>(&self, key: &K) -> bool {
        self.limiter.check_key(&Slot { key: self.hasher.hash_one(key), spend: false }).is_ok()
    }

    /// Uses a try. Returns whether one was left.
    pub fn hit<K: Hash + ?Sized>(&self, key: &K) -> bool {
        self.limiter.check_key(&Slot { key: self.hasher.hash_one(key), spend: true }).is_ok()
    }

    /// Forgets the keys whose buckets are full again; what the background
    /// task does.
    pub fn sweep(&self) {
        sweep(&self.limiter);
    }

    /// How many keys are held now.
    pub fn keys_held(&self) -> usize {
        self.limiter.len()
    }
}

/// Refuses a request over its client's [`AppState::request_throttle`], as
/// "too many" (a calm page, after [`crate::limits::REFUSAL_PAUSE`]).
/// Every request counts, `/healthz` and the stylesheet included: any of
/// them asked for without end would keep the processor busy. A monitor
/// asks far less often than the limit.
pub async fn limit_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let refused = req
        .app_data::<Data<AppState>>()
        .and_then(|state| state.request_throttle.as_ref())
        .is_some_and(|throttle| !throttle.hit(&client_key(req.request())));
    if refused {
        return Ok(req.into_response(HttpResponse::TooManyRequests().finish()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Runs [`sweep`] every [`SWEEP_EVERY`], or soon after the store fills,
/// until the throttle is dropped. Without a tokio runtime (a unit test, a
/// command-line tool) nothing is swept; [`MAX_KEYS`] still bounds memory.
fn spawn_sweeper(limiter: Weak<Limiter>, full: Arc<Notify>) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(SWEEP_EVERY) => {}
                _ = full.notified() => {}
            }
            let Some(limiter) = limiter.upgrade() else { return };
            sweep(&limiter);
            drop(limiter);
            // A flood keeps the store full: sweep at most once a second.
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

fn sweep(limiter: &Limiter) {
    limiter.retain_recent();
    limiter.shrink_to_fit();
}

/// What the limiter is asked about: a hashed key, and whether the try is
/// spent or only looked at.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Slot {
    key: u64,
    spend: bool,
}

/// Each key's GCRA state: its "theoretical arrival time" in nanoseconds
/// since the limiter started (0: none yet).
struct Buckets {
    map: DashMap<u64, AtomicU64, RandomState>,
    /// The one bucket shared by keys that came while the map was full.
    others: AtomicU64,
    max_keys: usize,
    /// Wakes the sweeper when the map is full.
    full: Arc<Notify>,
}

impl StateStore for Buckets {
    type Key = Slot;

    fn measure_and_replace<T, F, E>(&self, slot: &Slot, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        if let Some(state) = self.map.get(&slot.key) {
            return measure(&state, slot.spend, f);
        }
        if self.map.len() >= self.max_keys {
            self.full.notify_one();
            return measure(&self.others, slot.spend, f);
        }
        if !slot.spend {
            // A key not held has a full bucket; looking must not add it.
            return f(None).map(|(result, _)| result);
        }
        let state = self.map.entry(slot.key).or_default();
        measure(&state, true, f)
    }
}

/// Decides on `state` with governor's `f`; stores the new state only when
/// the try is spent and allowed, retrying if another thread got there first.
fn measure<T, E>(state: &AtomicU64, spend: bool, f: impl Fn(Option<Nanos>) -> Result<(T, Nanos), E>) -> Result<T, E> {
    let mut seen = state.load(Ordering::Acquire);
    loop {
        let (result, next) = f(NonZeroU64::new(seen).map(|n| Nanos::new(n.get())))?;
        if !spend {
            return Ok(result);
        }
        match state.compare_exchange_weak(seen, next.as_u64(), Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => return Ok(result),
            Err(now) => seen = now,
        }
    }
}

impl ShrinkableKeyedStateStore<Slot> for Buckets {
    /// Keeps only keys whose bucket is not yet full again. DashMap locks
    /// one shard at a time.
    fn retain_recent(&self, drop_below: Nanos) {
        self.map.retain(|_, state| state.load(Ordering::Acquire) > drop_below.as_u64());
    }

    /// Gives memory back after a flood, when most of it stands empty.
    fn shrink_to_fit(&self) {
        if self.map.capacity() > 4 * self.map.len() + 1024 {
            self.map.shrink_to_fit();
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
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

    #[test]
    fn looking_spends_nothing_and_adds_no_key() {
        let t = Throttle::new(2, Duration::from_secs(60));
        for _ in 0..100 {
            assert!(t.allows("a"));
        }
        assert_eq!(t.keys_held(), 0, "a look adds no key");
        assert!(t.hit("a") && t.allows("a") && t.allows("a"));
        assert!(t.hit("a"));
        assert!(!t.allows("a") && !t.hit("a"));
        assert_eq!(t.keys_held(), 1);
    }

    #[test]
    fn client_keys_and_strings_key_alike() {
        let t = Throttle::new(1, Duration::from_secs(60));
        let key = ClientKey::of("192.0.2.7".parse().unwrap());
        assert!(t.hit(&key));
        assert!(!t.hit(&key));
        assert!(t.hit(&ClientKey::of("192.0.2.8".parse().unwrap())));
        // A caller's own string keys, as the sign-in and lookup limits make.
        assert!(t.hit(&format!("sign-in {key}")));
        assert!(!t.hit(&format!("sign-in {key}")));
        assert!(t.hit(&format!("reset {key}")));
    }

    #[test]
    fn a_full_store_holds_no_more_keys_and_new_ones_share_a_bucket() {
        let t = Throttle::with_max_keys(2, Duration::from_secs(60), 1_000);
        for n in 0..1_000 {
            assert!(t.hit(&n));
        }
        assert_eq!(t.keys_held(), 1_000);
        // Ten thousand more keys: none is stored, and together they get
        // one bucket's tries, not one each.
        let allowed = (1_000..11_000).filter(|n| t.hit(n)).count();
        assert_eq!(allowed, 2);
        assert_eq!(t.keys_held(), 1_000);
        // Keys already held keep their own bucket.
        assert!(t.hit(&0));
        assert!(!t.hit(&0));
    }

    #[test]
    fn a_sweep_forgets_full_buckets_and_keeps_the_others() {
        let t = Throttle::new(2, Duration::from_millis(20));
        for n in 0..5_000 {
            assert!(t.hit(&n));
        }
        assert!(t.hit(&"busy") && t.hit(&"busy"));
        std::thread::sleep(Duration::from_millis(100));
        // "busy" spends its refilled tries again; the rest stay quiet.
        assert!(t.hit(&"busy") && t.hit(&"busy") && !t.hit(&"busy"));
        t.sweep();
        assert_eq!(t.keys_held(), 1, "only the key still waiting is kept");
        assert!(!t.hit(&"busy"), "and it is still limited");
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_new_keys() {
        let t = Throttle::with_max_keys(10, Duration::from_secs(60), 10_000);
        for n in 0u64..200_000 {
            t.hit(&n);
        }
        assert_eq!(t.keys_held(), 10_000);
    }

    #[tokio::test]
    async fn the_background_task_sweeps_a_full_store_at_once() {
        let t = Throttle::with_max_keys(1, Duration::from_millis(10), 100);
        for n in 0..100 {
            assert!(t.hit(&n));
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
        // Full: the next new key wakes the sweeper, long before SWEEP_EVERY.
        t.hit(&"newcomer");
        for _ in 0..100 {
            if t.keys_held() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(t.keys_held(), 0);
        assert!(t.hit(&"newcomer"), "a new key gets a bucket of its own again");
        assert_eq!(t.keys_held(), 1);
    }
}
