//! `cargo xtask screenshots`: docs/screenshots/*.png, in the three engines.

use crate::engine::Engine;
use crate::mock::start_mock;
use crate::release::release_build;
use crate::site::e2e_site;
use crate::{root, run, setup, Result};

pub fn screenshots() -> Result {
    let tools = setup::ensure_all()?;
    setup::ensure_cjk_font()?;
    release_build(&tools.build)?;
    let site = e2e_site(&root().join("dist"))?;
    // --allow-sync: the "Sync now" shots press the button.
    let (_server, base_url) = start_mock(
        "127.0.0.1:0",
        &["--static", &site.to_string_lossy(), "--allow-sync"],
    )?;
    for engine in Engine::ALL {
        run(&mut engine.node(&tools, &base_url, &["tests/e2e/screenshots.mjs"]))?;
    }
    Ok(())
}
