//! `cargo xtask demo`: the mock backend and `trunk serve`, until Ctrl-C.

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crate::mock::start_mock;
use crate::{root, setup, Guard, Result};

pub fn demo() -> Result {
    let tools = setup::ensure_all()?;
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = Arc::clone(&stop);
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
    }
    // --allow-sync: the demo's "Sync now" (`?actions=sync`, the portal example).
    let (_mock, mock_url) = start_mock("127.0.0.1:9009", &["--allow-sync"])?;
    let trunk = Command::new(&tools.build.trunk)
        .args(["serve"])
        .current_dir(root())
        .env("PATH", tools.build.path_env())
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .spawn()
        .map_err(|e| format!("cannot start trunk: {e}"))?;
    let mut trunk = Guard(trunk);
    println!(
        "\n  mock backend: {mock_url}\n  demo:         http://127.0.0.1:8080/?project_id=demo&dataset_id=my-dataset&interval=2\n  (other datasets: see README, e.g. dataset_id=status-failed)\n  Ctrl-C stops both.\n"
    );
    while !stop.load(Ordering::SeqCst) {
        if let Ok(Some(status)) = trunk.0.try_wait() {
            return Err(format!("trunk serve exited ({status})"));
        }
        thread::sleep(Duration::from_millis(200));
    }
    eprintln!("xtask: stopping");
    Ok(())
}
