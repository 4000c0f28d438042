//! `cargo xtask build`: the release widget in `dist/`, as `trunk build
//! --release` makes it; `cargo xtask size` prints its transfer size.

use std::process::Command;

use crate::{breakdown, cargo, root, run, setup, size, Result};

/// `cargo xtask build`.
pub fn build() -> Result {
    let tools = setup::ensure_build()?;
    release_build(&tools)
}

/// `cargo xtask size [--breakdown]`.
pub fn size(breakdown: bool) -> Result {
    let tools = setup::ensure_build()?;
    release_build(&tools)?;
    let dist = root().join("dist");
    let sizes = size::report(&dist)?;
    if breakdown {
        breakdown::breakdown(&tools, &sizes.wasm_path(&dist)?)?;
    }
    size::check(&sizes)
}

/// `trunk build --release`, with the project's tools first on PATH (trunk
/// finds wasm-bindgen and wasm-opt there; Trunk.toml forbids downloads).
pub fn trunk_release(tools: &setup::BuildTools) -> Command {
    let mut trunk = Command::new(&tools.trunk);
    trunk
        .args(["build", "--release"])
        .env("PATH", tools.path_env())
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    trunk
}

/// Builds `dist/`: exactly what `trunk build --release` writes (Cargo.toml's
/// release profile, Trunk.toml and its post-build hook, index.html), the
/// crates fetched first because trunk builds offline.
pub fn release_build(tools: &setup::BuildTools) -> Result {
    run(cargo().args(["fetch"]))?;
    run(&mut trunk_release(tools))
}
