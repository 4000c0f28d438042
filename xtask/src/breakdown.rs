//! `cargo xtask size --breakdown`: where the release wasm's bytes go.
//!
//! The release wasm has no names (wasm-opt drops them), so twiggy would
//! only see `code[1234]`. The breakdown takes the same cargo output that
//! `trunk build --release` starts from (same profile, same features, so no
//! rebuild), runs wasm-bindgen and wasm-opt on it as Trunk does, but with
//! `-g` so that the function names survive, and asks twiggy. The optimizer
//! keeps nearly the same code with names as without; the total printed
//! beside the release's says how close the two are.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::{self, BuildTools};
use crate::{root, run, Result};

/// How many of the largest items the table lists.
const TOP: usize = 25;

/// One item of twiggy's `top`: a function, a data segment, a table...
struct Item {
    name: String,
    bytes: u64,
}

/// Prints the breakdown and writes it into BENCHMARKS.md (between its
/// `breakdown:start`/`end` markers).
pub fn breakdown(tools: &BuildTools, release_wasm: &Path) -> Result {
    let twiggy = setup::ensure_twiggy()?;
    let wasm = named_wasm(tools)?;
    let (names, items): (Vec<Item>, Vec<Item>) = twiggy_top(&twiggy, &wasm)?
        .into_iter()
        .partition(|i| is_name_section(&i.name));
    let release = std::fs::metadata(release_wasm)
        .map(|m| m.len())
        .unwrap_or(0);
    let names = names.iter().map(|i| i.bytes).sum();
    let tables = tables(&items, names, release);
    println!("\n{tables}");
    write_into_benchmarks(&tables)
}

/// The two tables, in Markdown.
fn tables(items: &[Item], names: u64, release: u64) -> String {
    use std::fmt::Write;
    let total: u64 = items.iter().map(|i| i.bytes).sum();
    let mut md = format!(
        "The release wasm, {release} B raw, built again with its function names kept \
         ({total} B without the {names} B name section, which the release does not have); \
         bytes before compression, from twiggy {}. Generic code counts for the crate that \
         defines it (tachys' `build` for the card's own view).\n\n\
         | # | item | bytes | share |\n|---:|---|---:|---:|\n",
        setup::TWIGGY_VERSION
    );
    for (n, item) in items.iter().take(TOP).enumerate() {
        let (name, bytes) = (shorten(&item.name), item.bytes);
        let _ = writeln!(
            md,
            "| {} | `{name}` | {bytes} | {} |",
            n + 1,
            percent(bytes, total)
        );
    }
    md.push_str("\n| crate | bytes | share | items |\n|---|---:|---:|---:|\n");
    for (krate, bytes, count) in by_crate(items) {
        let _ = writeln!(
            md,
            "| {krate} | {bytes} | {} | {count} |",
            percent(bytes, total)
        );
    }
    md
}

fn write_into_benchmarks(tables: &str) -> Result {
    let path = root().join("BENCHMARKS.md");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (start, end) = ("<!-- breakdown:start -->", "<!-- breakdown:end -->");
    let (Some(from), Some(to)) = (text.find(start), text.find(end)) else {
        return Err(format!("{} has no {start} … {end} section", path.display()));
    };
    let text = format!("{}{start}\n{tables}{}", &text[..from], &text[to..]);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("written into {}", path.display());
    Ok(())
}

/// The release's cargo output through wasm-bindgen and wasm-opt, names kept.
fn named_wasm(tools: &BuildTools) -> Result<PathBuf> {
    let target = root().join("target");
    let out = target.join("breakdown");
    // What Trunk runs (index.html's data-wasm-opt), so it is a no-op after
    // `trunk build --release`.
    run(Command::new(env!("CARGO"))
        .current_dir(root())
        .args(["build", "--release", "--lib", "-p", "modelarts-sync-status"])
        .args(["--target", "wasm32-unknown-unknown"]))?;
    let cargo_wasm = target.join("wasm32-unknown-unknown/release/modelarts_sync_status.wasm");
    run(Command::new("wasm-bindgen")
        .env("PATH", tools.path_env())
        .args(["--target", "web", "--no-typescript", "--out-dir"])
        .arg(&out)
        .arg(&cargo_wasm))?;
    let bound = out.join("modelarts_sync_status_bg.wasm");
    let named = out.join("named.wasm");
    run(Command::new("wasm-opt")
        .env("PATH", tools.path_env())
        .args([
            "-Oz",
            "--converge",
            "--strip-producers",
            "--strip-target-features",
        ])
        .arg("-g")
        .arg(&bound)
        .arg("-o")
        .arg(&named))?;
    Ok(named)
}

/// Every item with its shallow size, largest first (twiggy's CSV).
fn twiggy_top(twiggy: &Path, wasm: &Path) -> Result<Vec<Item>> {
    let output = Command::new(twiggy)
        .args(["top", "--format", "csv"])
        .arg(wasm)
        .output()
        .map_err(|e| format!("{}: {e}", twiggy.display()))?;
    if !output.status.success() {
        return Err(format!(
            "twiggy top failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let items = parse_csv(&String::from_utf8_lossy(&output.stdout));
    if items.is_empty() {
        return Err("twiggy top printed no items".into());
    }
    Ok(items)
}

/// `Name,ShallowSize,...` rows. A name with a comma or a quote is quoted
/// (quotes doubled); the sizes never are.
fn parse_csv(csv: &str) -> Vec<Item> {
    csv.lines()
        .skip(1)
        .filter_map(|line| {
            let (name, rest) = match line.strip_prefix('"') {
                Some(quoted) => {
                    let end = closing_quote(quoted)?;
                    (
                        quoted[..end].replace("\"\"", "\""),
                        quoted[end + 1..].strip_prefix(',')?,
                    )
                }
                None => {
                    let (name, rest) = line.split_once(',')?;
                    (name.to_owned(), rest)
                }
            };
            let bytes = rest.split(',').next()?.trim().parse().ok()?;
            Some(Item { name, bytes })
        })
        .collect()
}

/// Where a quoted CSV field ends: the first quote that is not doubled.
fn closing_quote(field: &str) -> Option<usize> {
    let bytes = field.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] == b'"' {
            if bytes.get(at + 1) == Some(&b'"') {
                at += 2;
                continue;
            }
            return Some(at);
        }
        at += 1;
    }
    None
}

/// The name section this build keeps and the release does not have.
fn is_name_section(name: &str) -> bool {
    name.ends_with(" names\" subsection")
        || name.ends_with(" name\" subsection")
        || name == "custom section 'name' headers"
}

/// The crate an item's code comes from: the first path segment of its
/// name, the implementing type's for `<T as Trait>::f`. Data segments and
/// the module's own tables and glue are grouped by kind.
fn crate_of(name: &str) -> String {
    if name.starts_with("data segment ") || name.starts_with("data[") {
        return "(data segments: strings, tables, CSS)".into();
    }
    let path = name.trim_start_matches(['<', '&', '*', ' ']);
    let path = path
        .strip_prefix("mut ")
        .or_else(|| path.strip_prefix("dyn "))
        .or_else(|| path.strip_prefix("const "))
        .unwrap_or(path)
        .trim_start_matches(['<', '&', '(']);
    let first: String = path
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    // `core[a543996e6e7dbf1e]::fmt`: a crate with its disambiguator.
    let rest = &path[first.len()..];
    let rest = match rest.strip_prefix('[') {
        Some(hashed) => hashed.split_once(']').map_or("", |(_, after)| after),
        None => rest,
    };
    let is_path = rest.starts_with("::");
    if first.is_empty() || !is_path {
        return "(unnamed: wasm-bindgen shims, imports, types, tables, headers)".into();
    }
    first
}

/// (crate, bytes, items), largest first.
fn by_crate(items: &[Item]) -> Vec<(String, u64, usize)> {
    let mut crates: std::collections::BTreeMap<String, (u64, usize)> = Default::default();
    for item in items {
        let entry = crates.entry(crate_of(&item.name)).or_default();
        entry.0 += item.bytes;
        entry.1 += 1;
    }
    let mut rows: Vec<_> = crates.into_iter().map(|(k, (b, n))| (k, b, n)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// A name as a table row can show it: without the symbol hash
/// (`::h3759e00a0674fe2c`) and crate disambiguators (`core[c5930c85a12de822]`),
/// cut when long, `|` escaped.
fn shorten(name: &str) -> String {
    let mut name = name.to_owned();
    if let Some((head, hash)) = name.rsplit_once("::h") {
        if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) {
            name = head.to_owned();
        }
    }
    while let Some(open) = name.find('[') {
        let close = name[open..].find(']').map(|c| open + c);
        match close {
            Some(close)
                if close - open == 17
                    && name[open + 1..close].chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                name.replace_range(open..=close, "");
            }
            _ => break,
        }
    }
    let name = name.replace('|', "\\|");
    match name.char_indices().nth(110) {
        Some((at, _)) => format!("{}…", &name[..at]),
        None => name,
    }
}

fn percent(part: u64, total: u64) -> String {
    format!("{:.1} %", part as f64 * 100.0 / total.max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_assigned_to_the_crate_their_code_comes_from() {
        let cases = [
            ("serde_json::de::Deserializer::parse", "serde_json"),
            (
                "<alloc::vec::Vec<T> as core::ops::drop::Drop>::drop",
                "alloc",
            ),
            ("<&mut leptos::view::View as Foo>::bar", "leptos"),
            ("core[a543996e6e7dbf1e]::fmt::write", "core"),
            ("data[3]", "(data segments: strings, tables, CSS)"),
            (
                "__wbindgen_malloc",
                "(unnamed: wasm-bindgen shims, imports, types, tables, headers)",
            ),
            (
                "elem[0]",
                "(unnamed: wasm-bindgen shims, imports, types, tables, headers)",
            ),
        ];
        for (name, krate) in cases {
            assert_eq!(crate_of(name), krate, "{name}");
        }
    }

    #[test]
    fn csv_rows_with_commas_in_names_are_read() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
                   \"<(A, B) as x::Y>::z\",120,1.5,,\n\
                   data[0],80,1.0,,\n\
                   \"data segment \"\".rodata.9\"\"\",18443,3.0,,\n\
                   \"\"\"function names\"\" subsection\",263791,43.6,,\n";
        let items = parse_csv(csv);
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].name, "<(A, B) as x::Y>::z");
        assert_eq!(items[0].bytes, 120);
        assert_eq!(
            crate_of(&items[0].name),
            "(unnamed: wasm-bindgen shims, imports, types, tables, headers)"
        );
        assert_eq!(items[1].bytes, 80);
        assert_eq!(items[2].name, "data segment \".rodata.9\"");
        assert_eq!(items[2].bytes, 18443);
        assert!(is_name_section(&items[3].name), "{}", items[3].name);
        assert!(!is_name_section(&items[2].name));
    }

    #[test]
    fn names_are_shown_without_hashes() {
        assert_eq!(
            shorten("<f64 as core[c5930c85a12de822]::fmt::Display>::fmt::h3759e00a0674fe2c"),
            "<f64 as core::fmt::Display>::fmt"
        );
        assert_eq!(shorten("elem[0]"), "elem[0]");
    }
}
