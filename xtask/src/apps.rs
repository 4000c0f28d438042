//! The framework apps of `tests/apps` (React 19, Vue 3): each installed
//! from its lock file, given the widget's npm package, built by Vite, and
//! put under the e2e site's `/apps/<name>/` (tests/e2e/apps.test.mjs).

use std::path::Path;
use std::process::Command;

use crate::site::copy_dist;
use crate::{root, run, setup, Result};

/// The apps, by folder name under `tests/apps`.
pub const APPS: [&str; 2] = ["react", "vue"];

/// Builds every app against `tarball` and copies its build into
/// `site/apps/<name>`.
pub fn build_into(tarball: &Path, site: &Path) -> Result {
    for app in APPS {
        let dir = root().join("tests/apps").join(app);
        // The lock file pins the framework and Vite; the widget is the
        // tarball of this very build, so it is installed without saving
        // (a lock entry would pin one build's checksum).
        setup::npm_ci(&dir)?;
        run(Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund"])
            .arg(tarball)
            .current_dir(&dir))?;
        run(Command::new("node")
            .args([
                "node_modules/vite/bin/vite.js",
                "build",
                "--logLevel",
                "warn",
            ])
            .current_dir(&dir))?;
        copy_dist(
            &dir.join("dist"),
            &site.join("apps").join(app),
            |file, _, to| crate::site::copy(file, to),
        )?;
    }
    Ok(())
}
