//! One re-armable `setTimeout` with a single long-lived callback.
//!
//! A one-shot closure handed to JS is freed only when it runs, so one
//! cleared before firing leaks. Cards clear timers on every refresh; this
//! timer keeps its closure for its own life and frees it when dropped.

use std::cell::Cell;
use std::time::Duration;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

pub struct Timer {
    id: Cell<Option<i32>>,
    callback: Closure<dyn FnMut()>,
}

impl Timer {
    pub fn new(callback: impl FnMut() + 'static) -> Self {
        Self {
            id: Cell::new(None),
            callback: Closure::new(callback),
        }
    }

    /// Fires the callback after `after`, replacing any pending firing.
    pub fn set(&self, after: Duration) {
        self.clear();
        let ms = crate::core::format::whole_ms(after).min(i32::MAX as u64) as i32;
        self.id.set(web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                self.callback.as_ref().unchecked_ref(),
                ms,
            )
            .ok()
        }));
    }

    /// Cancels a pending firing, if any.
    pub fn clear(&self) {
        if let (Some(id), Some(window)) = (self.id.take(), web_sys::window()) {
            window.clear_timeout_with_handle(id);
        }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        // The closure is freed with the timer: it must not fire afterwards.
        self.clear();
    }
}
