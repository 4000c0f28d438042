//! The smallest honest version of the product, as a yardstick: fetch the
//! status once through the same proxy path and show it. No refresh, no
//! formatting, no error details.

#[cfg(target_arch = "wasm32")]
fn main() {
    use leptos::prelude::*;

    #[derive(serde::Deserialize)]
    struct Answer {
        status: Option<String>,
    }

    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .and_then(|s| web_sys::UrlSearchParams::new_with_str(&s).ok());
    let get = |key: &str| query.as_ref().and_then(|q| q.get(key)).unwrap_or_default();
    let url = format!(
        "/api/v2/{}/datasets/{}/sync-data/status",
        get("project_id"),
        get("dataset_id")
    );
    leptos::mount::mount_to_body(move || {
        let status = RwSignal::new(None::<String>);
        // Inside the mount: Leptos sets up its executor there.
        leptos::task::spawn_local(async move {
            let answer = match gloo_net::http::Request::get(&url).send().await {
                Ok(response) => response.text().await.ok(),
                Err(_) => None,
            };
            let shown = answer
                .and_then(|text| serde_json::from_str::<Answer>(&text).ok())
                .and_then(|a| a.status)
                .unwrap_or_else(|| "ERROR".to_owned());
            status.set(Some(shown));
        });
        view! {
            <p id="status" data-status=move || status.get()>
                {move || status.get().unwrap_or_else(|| "loading".to_owned())}
            </p>
        }
    });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {}
