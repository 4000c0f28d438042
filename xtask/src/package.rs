//! `cargo xtask package`: the npm package of the release widget,
//! `target/npm/modelarts-sync-status-<version>.tgz`, made by `npm pack`
//! from `dist/`'s widget files, the TypeScript declarations and a
//! `package.json` whose name, version, description and licence are
//! Cargo.toml's.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::release::release_build;
use crate::site::copy;
use crate::{cargo, root, run, setup, Result};

/// The release's files in the package: what a bundler needs, nothing of
/// the demo.
const FROM_DIST: [&str; 3] = [
    "modelarts-sync-status-loader.js",
    "modelarts-sync-status.js",
    "modelarts-sync-status_bg.wasm",
];

/// The TypeScript declarations, from `js/`: the element and `mount()`
/// (made from the options table), and the typings for React's JSX and
/// Vue's templates, which use them.
const FROM_JS: [&str; 3] = ["modelarts-sync-status.d.ts", "react.d.ts", "vue.d.ts"];

/// Every file the package holds, besides `package.json` (which npm always
/// packs).
pub const FILES: [&str; 7] = [
    FROM_DIST[0],
    FROM_DIST[1],
    FROM_DIST[2],
    FROM_JS[0],
    FROM_JS[1],
    FROM_JS[2],
    "element.js",
];

/// `import 'modelarts-sync-status/element'`: registers the element, for a
/// page that only uses the tag.
const ELEMENT_JS: &str = "\
// Registers <modelarts-sync-status>: importing the loader does it.
import './modelarts-sync-status-loader.js';
";

/// `cargo xtask package`: builds the release, then packs it.
pub fn package() -> Result {
    let tools = setup::ensure_build()?;
    release_build(&tools)?;
    let tarball = pack(&root().join("dist"))?;
    println!("{}", tarball.display());
    Ok(())
}

/// Packs `dist`'s widget into `target/npm`, and checks that the package
/// holds the intended files and no others; returns the tarball's path.
pub fn pack(dist: &Path) -> Result<PathBuf> {
    let npm = root().join("target/npm");
    let folder = npm.join("package");
    if folder.exists() {
        std::fs::remove_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    }
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    for file in FROM_DIST {
        copy(&dist.join(file), &folder.join(file))?;
    }
    for file in FROM_JS {
        copy(&root().join("js").join(file), &folder.join(file))?;
    }
    write(&folder.join("element.js"), ELEMENT_JS)?;
    let metadata = crate_metadata()?;
    write(&folder.join("package.json"), &package_json(&metadata)?)?;
    let version = metadata["version"].as_str().unwrap_or_default();
    check_packed(&folder)?;
    run(Command::new("npm")
        .args(["pack", "--pack-destination"])
        .arg(&npm)
        .current_dir(&folder))?;
    Ok(npm.join(format!("modelarts-sync-status-{version}.tgz")))
}

/// The files `npm pack` would put in the package made from `folder`.
fn packed_files(folder: &Path) -> Result<Vec<String>> {
    let output = Command::new("npm")
        .args(["pack", "--dry-run", "--json"])
        .current_dir(folder)
        .output()
        .map_err(|e| format!("npm pack --dry-run: {e}"))?;
    if !output.status.success() {
        return Err(format!("npm pack --dry-run failed ({})", output.status));
    }
    let report: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    let mut files: Vec<String> = report[0]["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str().map(str::to_owned))
        .collect();
    files.sort();
    Ok(files)
}

/// Checks that the package `folder` holds the intended files and no others.
fn check_packed(folder: &Path) -> Result {
    let files = packed_files(folder)?;
    let mut intended: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
    intended.push("package.json".into());
    intended.sort();
    if files == intended {
        println!("npm package: {}", files.join(", "));
        Ok(())
    } else {
        Err(format!("the npm package holds {files:?}, not {intended:?}"))
    }
}

/// The widget crate's `cargo metadata` entry.
fn crate_metadata() -> Result<Value> {
    let output = cargo()
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(root())
        .output()
        .map_err(|e| format!("cargo metadata: {e}"))?;
    let all: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
    all["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "modelarts-sync-status")
        .cloned()
        .ok_or_else(|| "cargo metadata lists no modelarts-sync-status".into())
}

/// `package.json`, from the crate's metadata. Written as text: the order
/// of `exports`' conditions matters ("types" first), and serde_json's maps
/// are sorted.
fn package_json(metadata: &Value) -> Result<String> {
    let field = |name: &str| {
        metadata[name]
            .as_str()
            .map(|text| Value::from(text).to_string())
            .ok_or_else(|| format!("Cargo.toml has no {name}"))
    };
    let files = serde_json::to_string(&FILES).map_err(|e| e.to_string())?;
    Ok(format!(
        r#"{{
  "name": {name},
  "version": {version},
  "description": {description},
  "license": {license},
  "type": "module",
  "exports": {{
    ".": {{
      "types": "./modelarts-sync-status.d.ts",
      "default": "./modelarts-sync-status-loader.js"
    }},
    "./element": {{
      "types": "./modelarts-sync-status.d.ts",
      "default": "./element.js"
    }},
    "./react": {{
      "types": "./react.d.ts"
    }},
    "./vue": {{
      "types": "./vue.d.ts"
    }},
    "./modelarts-sync-status_bg.wasm": "./modelarts-sync-status_bg.wasm"
  }},
  "types": "./modelarts-sync-status.d.ts",
  "files": {files},
  "sideEffects": [
    "./modelarts-sync-status-loader.js",
    "./modelarts-sync-status.js",
    "./element.js"
  ]
}}
"#,
        name = field("name")?,
        version = field("version")?,
        description = field("description")?,
        license = field("license")?,
    ))
}

fn write(path: &Path, text: &str) -> Result {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_package_json_follows_cargo_toml() {
        let metadata = json!({
            "name": "modelarts-sync-status",
            "version": "1.2.3",
            "description": "A widget",
            "license": "MIT OR Apache-2.0",
        });
        let text = package_json(&metadata).unwrap();
        let manifest: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(manifest["version"], "1.2.3");
        assert_eq!(manifest["license"], "MIT OR Apache-2.0");
        assert_eq!(
            manifest["exports"]["."]["default"],
            "./modelarts-sync-status-loader.js"
        );
        assert_eq!(manifest["exports"]["./element"]["default"], "./element.js");
        assert_eq!(manifest["files"].as_array().unwrap().len(), FILES.len());
        // TypeScript takes the first condition that matches.
        assert!(text.find(r#""types": "./modelarts"#) < text.find(r#""default": "./modelarts"#));
        assert!(package_json(&json!({ "name": "x" })).is_err());
    }
}
