//! `cargo xtask test`'s layering check: no circle of imports between the
//! files of `src/core` and of `proxy/src` (ARCHITECTURE.md: Invariants).
//!
//! A file uses another when its code outside `#[cfg(test)]` names
//! `crate::core::<module>` (in `src/core`) or `crate::<module>` (in
//! `proxy/src`), in a `use` or inline, grouped (`use crate::{a, b}`) or
//! not; comments do not count. Tests may reach anywhere: they are not part
//! of the layering.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A folder of modules and the path prefix its files name each other by.
pub struct Folder {
    pub dir: &'static str,
    pub prefix: &'static str,
}

pub const FOLDERS: [Folder; 2] = [
    Folder {
        dir: "src/core",
        prefix: "crate::core::",
    },
    Folder {
        dir: "proxy/src",
        prefix: "crate::",
    },
];

/// Module name → the modules of the same folder it uses.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// Reads every module of `dir`: a `.rs` file, or a folder (its files
/// together are one module: `config/` is `config`, its files name each
/// other by `super::`).
pub fn read(root: &Path, folder: &Folder) -> Result<Graph, String> {
    let dir = root.join(folder.dir);
    let mut sources = BTreeMap::new();
    // A folder's test module in a file of its own is not part of the layering.
    let not_tests = |path: &PathBuf| !path.ends_with("tests.rs");
    let rust = |path: &PathBuf| path.extension().is_some_and(|x| x == "rs");
    let files = crate::files_under(&dir, |_| true)?;
    for path in files.iter().filter(|p| rust(p) && not_tests(p)) {
        let module = path.strip_prefix(&dir).unwrap_or(path);
        let name = match module.components().next() {
            Some(first) if module.components().count() > 1 => first.as_os_str().to_string_lossy(),
            _ => module.file_stem().unwrap_or_default().to_string_lossy(),
        };
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let all: &mut String = sources.entry(name.into_owned()).or_default();
        all.push_str(&without_tests(&text));
        all.push('\n');
    }
    Ok(graph(&sources, folder.prefix))
}

/// The graph of `sources` (module name → its text).
pub fn graph(sources: &BTreeMap<String, String>, prefix: &str) -> Graph {
    let known: BTreeSet<&str> = sources.keys().map(String::as_str).collect();
    let mut graph = Graph::new();
    for (name, text) in sources {
        let code = without_comments(&without_tests(text));
        let used = named_modules(&code, prefix)
            .into_iter()
            .filter(|m| m != name && known.contains(m.as_str()))
            .collect();
        graph.insert(name.clone(), used);
    }
    graph
}

/// The code before its first `#[cfg(test)]` item (the test module, last
/// in a file), except a test module in a file of its own (`mod tests;`).
fn without_tests(code: &str) -> String {
    let mut end = code.len();
    for (at, attribute) in code.match_indices("#[cfg(test)]") {
        let next = code[at + attribute.len()..].trim_start();
        if !next.starts_with("mod tests;") {
            end = at;
            break;
        }
    }
    code[..end].to_owned()
}

/// The code without its `//` comments (docs name modules they do not use:
/// "see [`crate::sync`]").
fn without_comments(code: &str) -> String {
    code.lines()
        .map(|line| line.split_once("//").map_or(line, |(code, _)| code))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `<module>` in `prefix<module>` and `prefix{<module>, ...}` of `code`.
fn named_modules(code: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        // `crate::core::x` also matches `crate::` in the proxy's folder:
        // only a path that starts here counts (not `foo_crate::x`).
        let before = code[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &code[at + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            for part in inner.split(',') {
                let module = ident(part.trim());
                if !module.is_empty() {
                    found.insert(module);
                }
            }
        } else {
            let module = ident(rest);
            if !module.is_empty() {
                found.insert(module);
            }
        }
    }
    found
}

/// A circle of modules (`a → b → a`), if the graph has one.
pub fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit(
        node: &str,
        graph: &Graph,
        marks: &mut BTreeMap<String, Mark>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = path.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(node.to_owned());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.to_owned(), Mark::Open);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, path) {
                return Some(cycle);
            }
        }
        path.pop();
        marks.insert(node.to_owned(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

/// Checks both folders; the first circle found is the error.
pub fn check(root: &Path) -> Result<(), String> {
    for folder in &FOLDERS {
        let graph = read(root, folder)?;
        if let Some(cycle) = find_cycle(&graph) {
            return Err(format!(
                "{}: the modules import each other in a circle: {} (ARCHITECTURE.md: Invariants)",
                folder.dir,
                cycle.join(" → ")
            ));
        }
        eprintln!("{}: {} modules, no import circle", folder.dir, graph.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(files: &[(&str, &str)]) -> BTreeMap<String, String> {
        files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn uses_are_read_in_every_spelling() {
        let g = graph(
            &sources(&[
                (
                    "a",
                    "use crate::core::b::X;\nfn f() { crate::core::c::g() }\n\
                     use my_crate::core::d::Y;\n/// see [`crate::core::d`]\n#[cfg(test)]\nmod tests { use crate::core::e; }",
                ),
                ("b", ""),
                ("c", ""),
                ("d", ""),
                ("e", ""),
            ]),
            "crate::core::",
        );
        assert_eq!(g["a"], ["b", "c"].map(String::from).into());
        let g = graph(
            &sources(&[
                (
                    "routes",
                    "use crate::{batch, cors::Cors};\nuse crate::routes;",
                ),
                ("batch", "use axum::Router;"),
                ("cors", ""),
            ]),
            "crate::",
        );
        assert_eq!(g["routes"], ["batch", "cors"].map(String::from).into());
    }

    #[test]
    fn a_test_module_in_its_own_file_does_not_hide_the_code_after_it() {
        let code = "mod rules;\n#[cfg(test)]\nmod tests;\nuse crate::core::a;\n\
                    #[cfg(test)]\nmod more { use crate::core::b; }";
        let kept = without_tests(code);
        assert!(
            kept.contains("crate::core::a") && !kept.contains("crate::core::b"),
            "{kept}"
        );
    }

    #[test]
    fn a_circle_is_found_and_a_tree_is_not() {
        let circle = graph(
            &sources(&[
                ("config", "use crate::core::lang::Lang;"),
                ("lang", "use crate::core::i18n::Text;"),
                ("i18n", "use crate::core::config::ConfigError;"),
                ("url", "use crate::core::config::Config;"),
            ]),
            "crate::core::",
        );
        let cycle = find_cycle(&circle).expect("a circle");
        assert_eq!(cycle.first(), cycle.last());
        assert_eq!(cycle.len(), 4, "{cycle:?}");
        let tree = graph(
            &sources(&[
                ("config", "use crate::core::lang::Lang;"),
                ("lang", ""),
                ("i18n", "use crate::core::{config, lang};"),
            ]),
            "crate::core::",
        );
        assert_eq!(find_cycle(&tree), None);
    }

    #[test]
    fn the_project_has_no_circle() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        check(&root).unwrap();
    }
}
