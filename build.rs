//! Compacts `style/card.css` for the wasm: comments and indentation go, the
//! rules stay byte for byte. (The file itself keeps its comments for the
//! people who theme the card.)

use std::{env, fs, path::Path};

fn main() {
    let source = "style/card.css";
    println!("cargo::rerun-if-changed={source}");
    let css = fs::read_to_string(source).expect("style/card.css is readable");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("card.css");
    fs::write(out, compact(&css)).expect("OUT_DIR is writable");
}

/// Turns `/* … */` comments (outside strings) into a space, trims every line and drops
/// the empty ones. Lines stay separated by a newline, which CSS reads as the
/// whitespace it was.
fn compact(css: &str) -> String {
    let mut text = String::with_capacity(css.len());
    let mut rest = css;
    let mut quote = None;
    while let Some(c) = rest.chars().next() {
        if quote.is_none() && rest.starts_with("/*") {
            rest = rest[2..].find("*/").map_or("", |end| &rest[2 + end + 2..]);
            // A comment separates tokens, as a space does.
            text.push(' ');
            continue;
        }
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), _) if q == c => quote = None,
            _ => {}
        }
        text.push(c);
        rest = &rest[c.len_utf8()..];
    }
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}
