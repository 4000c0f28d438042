//! The size build's linker: rust-lld, less the exports of wasm-streams'
//! stream adapters.
//!
//! Leptos' server-function client depends on wasm-streams, whose
//! `IntoUnderlyingSource`, `IntoUnderlyingByteSource` and
//! `IntoUnderlyingSink` are `#[wasm_bindgen]` exports. rustc asks the linker
//! to keep every export, so their code stays: the adapters, the futures and
//! promise plumbing behind them, and their descriptors. The widget calls no
//! server function. Dropping them after linking (wasm-opt
//! `--remove-exports`) is too late: the function table still holds their
//! closures. Not asking the linker to export them lets its dead-code
//! elimination take all of it: 14,000 B of wasm, 5,200 B gzip.
//!
//! For the size build, cargo runs this program as the wasm target's linker
//! (`CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER`, with [`LINKER_ENV`] set).
//! rustc calls it as it would call rust-lld (`-flavor wasm`, then the
//! arguments) with its own tools folder first in `PATH`; this program drops
//! the `--export NAME` pairs of those adapters and runs rust-lld with the
//! rest. wasm-bindgen then writes the adapters' JS classes without methods;
//! `no_stream_adapters_in_use` fails the build should Rust code ever hand
//! one to JS.

use std::process::Command;

/// Set (to "1") when cargo is to run this program as the linker.
pub const LINKER_ENV: &str = "MSS_XTASK_WASM_LINKER";

/// Exports whose name holds this are not asked for.
const DROPPED: &str = "intounderlying";

/// When this process was started as the linker, links and returns the exit
/// code; otherwise `None`.
pub fn run_if_linker(args: &[String]) -> Option<i32> {
    if std::env::var_os(LINKER_ENV).is_none() || args.first().map(String::as_str) != Some("-flavor")
    {
        return None;
    }
    let status = Command::new("rust-lld").args(filter(args)).status();
    Some(match status {
        Ok(status) => status.code().unwrap_or(1),
        Err(e) => {
            eprintln!("xtask (as the wasm linker): cannot run rust-lld: {e}");
            1
        }
    })
}

/// The linker's arguments, less the `--export NAME` and `--export=NAME`
/// of the stream adapters.
fn filter(args: &[String]) -> Vec<&str> {
    let dropped = |name: &str| name.to_ascii_lowercase().contains(DROPPED);
    let mut out = Vec::with_capacity(args.len());
    let mut args = args.iter().map(String::as_str).peekable();
    while let Some(arg) = args.next() {
        if arg == "--export" {
            if args.next_if(|name| dropped(name)).is_some() {
                continue;
            }
        } else if arg.strip_prefix("--export=").is_some_and(dropped) {
            continue;
        }
        out.push(arg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn drops_only_the_adapters_exports() {
        let args = strings(&[
            "-flavor",
            "wasm",
            "--export",
            "__wbg_intounderlyingsource_free_58a9",
            "--export",
            "mount",
            "--export",
            "__wbindgen_describe_intounderlyingsink_write_58a9",
            "--export=IntoUnderlyingByteSource_pull",
            "--export=__heap_base",
            "--export",
            "__wbindgen_describe___wbg_new_with_into_underlying_source_10a8",
            "-o",
            "out.wasm",
        ]);
        assert_eq!(
            filter(&args),
            [
                "-flavor",
                "wasm",
                "--export",
                "mount",
                "--export=__heap_base",
                // An import's descriptor (JS's ReadableStream), not an adapter.
                "--export",
                "__wbindgen_describe___wbg_new_with_into_underlying_source_10a8",
                "-o",
                "out.wasm",
            ]
        );
    }

    #[test]
    fn a_trailing_export_flag_is_kept() {
        let args = strings(&["-flavor", "wasm", "--export"]);
        assert_eq!(filter(&args), ["-flavor", "wasm", "--export"]);
    }

    #[test]
    fn only_when_asked() {
        // LINKER_ENV is not set in tests.
        assert_eq!(run_if_linker(&strings(&["-flavor", "wasm"])), None);
    }
}
