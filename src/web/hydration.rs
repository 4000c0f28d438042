//! Server rendering and hydration (features `ssr` and `hydrate`): when the
//! card may call the browser.
//!
//! A server-rendered Leptos app runs the card twice: on the server, which
//! renders it to HTML, and in the browser, whose first render hydrates that
//! HTML. Hydration keeps the server's text and attributes and takes over
//! the nodes; a client render that differs leaves them wrong until the
//! card changes. So both renders are the same: the loading card, displayed,
//! in the options' language or the default one (the server knows no
//! browser language), and no poller. Once hydrated, the browser replaces it
//! with the live card (the browser's language; the loading state shown at
//! once, as for any replacement) and starts polling. With client-side
//! rendering (`csr`, the widget's own build) none of this is compiled.

/// No browser yet: rendering on the server, or the browser's render that
/// hydrates the server's HTML (which must render what the server did).
pub(crate) fn before_browser() -> bool {
    cfg!(feature = "ssr") || hydrating()
}

#[cfg(feature = "hydrate")]
fn hydrating() -> bool {
    leptos::prelude::Owner::current_shared_context().is_some_and(|sc| sc.during_hydration())
}

#[cfg(not(feature = "hydrate"))]
fn hydrating() -> bool {
    false
}

/// For a card created while hydrating: `false` until hydration is done, then
/// `true` (an effect, and effects run only in the browser, after
/// hydration). Always `true` for a card the browser renders itself (a
/// client-side navigation).
#[cfg(feature = "hydrate")]
pub(crate) fn hydrated() -> leptos::prelude::RwSignal<bool> {
    use leptos::prelude::*;

    let done = RwSignal::new(!hydrating());
    if !done.get_untracked() {
        Effect::new(move || done.set(true));
    }
    done
}
