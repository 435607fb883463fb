//! What happens to answers between the form and the disk: contact details
//! scrubbed out of free text, possible harm flagged for the safeguarding lead,
//! and the order they were stored in taken away.

pub mod flag;
pub mod mix;
pub mod retention;
pub mod scrub;
pub mod suppress;

/// Times the work of the thread it was started on, for the tests that bound
/// how long a detector takes on adversarial input: the processor time this
/// thread used, which, unlike the wall clock, does not grow while other work
/// on a busy machine has the processor. Where Linux's per-thread
/// `schedstat` cannot be read, the wall clock.
#[cfg(test)]
pub(crate) struct WorkTimer {
    cpu: Option<u64>,
    wall: std::time::Instant,
}

#[cfg(test)]
impl WorkTimer {
    pub(crate) fn start() -> WorkTimer {
        WorkTimer { cpu: Self::cpu_ns(), wall: std::time::Instant::now() }
    }

    pub(crate) fn elapsed(&self) -> std::time::Duration {
        match (self.cpu, Self::cpu_ns()) {
            (Some(start), Some(now)) => std::time::Duration::from_nanos(now.saturating_sub(start)),
            _ => self.wall.elapsed(),
        }
    }

    /// Nanoseconds this thread has run, the first figure of its `schedstat`.
    fn cpu_ns() -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        stat.split_whitespace().next()?.parse().ok()
    }
}
