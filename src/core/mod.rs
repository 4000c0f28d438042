//! The pure core: everything the widget decides, with no browser in it.
//! Tested natively (`cargo test`).

pub mod batch;
pub mod clock;
pub mod config;
pub mod format;
pub mod i18n;
pub mod lang;
pub mod model;
pub mod policy;
pub mod response;
pub mod snapshot;
pub mod sync;
pub mod url;
