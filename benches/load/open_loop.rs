//! An open-loop, fixed-rate load generator. Request `i` is due at
//! `start + i / rate` whether or not earlier ones have come back, and its
//! latency is counted from that intended time, not from when it was really
//! sent: a stalled server therefore shows up in the percentiles instead of
//! quietly slowing the generator down (coordinated omission).

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use tokio::time::Instant;

/// What one fixed-rate run measured. Latencies in microseconds.
pub struct Outcome {
    pub ok: u64,
    pub errors: u64,
    pub hist: Histogram<u64>,
    /// From the first intended send to the last reply.
    pub elapsed: Duration,
}

impl Outcome {
    pub fn p(&self, quantile: f64) -> f64 {
        self.hist.value_at_quantile(quantile) as f64 / 1000.0
    }

    /// Completed requests per second over the run.
    pub fn achieved(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }
}

pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 120_000_000, 3).expect("valid histogram bounds")
}

/// Runs `job(i)` at `rate` per second for `duration`. `job` returns whether
/// the request succeeded. At most `max_in_flight` are outstanding; past that
/// the generator waits, and the wait is counted in the latencies.
pub async fn run<F, Fut>(rate: f64, duration: Duration, max_in_flight: usize, job: F) -> Outcome
where
    F: Fn(u64, Instant) -> Fut,
    Fut: Future<Output = bool> + Send + 'static,
{
    let total = (rate * duration.as_secs_f64()).round().max(1.0) as u64;
    let hist = Arc::new(Mutex::new(histogram()));
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let slots = Arc::new(tokio::sync::Semaphore::new(max_in_flight));
    let start = Instant::now() + Duration::from_millis(20);
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        let intended = start + Duration::from_secs_f64(i as f64 / rate);
        if intended > Instant::now() {
            tokio::time::sleep_until(intended).await;
        }
        let permit = slots.clone().acquire_owned().await.expect("the semaphore is never closed");
        let work = job(i, intended);
        let (hist, ok, errors) = (hist.clone(), ok.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let success = work.await;
            let micros = intended.elapsed().as_micros() as u64;
            drop(permit);
            if success {
                ok.fetch_add(1, Ordering::Relaxed);
                hist.lock().unwrap().saturating_record(micros.max(1));
            } else {
                errors.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for task in tasks {
        let _ = task.await;
    }
    let elapsed = start.elapsed();
    let hist = hist.lock().unwrap().clone();
    Outcome { ok: ok.load(Ordering::Relaxed), errors: errors.load(Ordering::Relaxed), hist, elapsed }
}
