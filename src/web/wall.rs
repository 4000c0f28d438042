//! The wall clock, as the cards plan with it: read once while a batch's
//! answer is handed to its cards. Read card by card, a few milliseconds
//! apart, a whole second could fall between two cards, which would then
//! plan their next request for different seconds and split the batch.

use std::cell::Cell;

thread_local! {
    /// The reading held while a batch's cards are answered; NaN otherwise.
    static HELD: Cell<f64> = const { Cell::new(f64::NAN) };
}

/// The wall clock (ms since the epoch): the held reading, if any.
pub fn now() -> f64 {
    match HELD.get() {
        held if held.is_nan() => js_sys::Date::now(),
        held => held,
    }
}

/// Runs `answer_all` (which answers the cards of one batch) with the wall
/// clock held at one reading, so that the cards plan alike.
pub fn held_while(answer_all: impl FnOnce()) {
    HELD.set(js_sys::Date::now());
    answer_all();
    HELD.set(f64::NAN);
}
