//! The randomness the pure core takes from its caller.

/// A random number in `[-1, 1]`: the jitter `Policy::on` takes for a
/// failure's backoff.
pub fn jitter() -> f64 {
    js_sys::Math::random() * 2.0 - 1.0
}
