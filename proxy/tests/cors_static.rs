//! CORS (allowed and denied origins, preflight) and `--static`.

mod common;

use std::path::PathBuf;

use common::*;
use modelarts_sync_proxy::Origins;

const PORTAL: &str = "https://portal.example";

async fn proxy_with_origins(upstream: &FakeUpstream, origins: Origins) -> std::net::SocketAddr {
    let mut settings = upstream_settings(upstream, token());
    settings.origins = origins;
    start_proxy(settings).await
}

#[tokio::test]
async fn allowed_origins_get_cors_headers() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = proxy_with_origins(&upstream, Origins::List(vec![PORTAL.into()])).await;
    let path = status_path("p", "d");

    let r = raw(proxy, "GET", &path, &[("Origin", PORTAL)]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some(PORTAL));
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("Retry-After")
    );
    assert_eq!(r.header("vary"), Some("Origin"));
    // The portal may send its viewers' cookies (credentials="include").
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));

    let r = raw(
        proxy,
        "OPTIONS",
        &path,
        &[("Origin", PORTAL), ("Access-Control-Request-Method", "GET")],
    )
    .await;
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-credentials"), Some("true"));
    assert_eq!(r.header("access-control-allow-origin"), Some(PORTAL));
    assert_eq!(r.header("access-control-allow-methods"), Some("GET"));
    assert!(r.header("access-control-max-age").is_some());

    // Errors carry CORS too, so the widget can read them (and Retry-After).
    let r = raw(
        proxy,
        "GET",
        "/v2/p/datasets/a.b/sync-data/status",
        &[("Origin", PORTAL)],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(r.header("access-control-allow-origin"), Some(PORTAL));
    assert_eq!(upstream.count(), 1);
}

#[tokio::test]
async fn other_origins_get_none() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = proxy_with_origins(&upstream, Origins::List(vec![PORTAL.into()])).await;
    let path = status_path("p", "d");
    for origin in [
        "https://evil.example",
        "https://portal.example.evil.example",
        "http://portal.example",
        "https://portal.example:8443",
        "null",
        "http://127.0.0.1:8080",
    ] {
        let r = raw(proxy, "GET", &path, &[("Origin", origin)]).await;
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert!(
            r.header("access-control-expose-headers").is_none(),
            "{origin}"
        );
        assert!(
            r.header("access-control-allow-credentials").is_none(),
            "{origin}"
        );
        assert_eq!(r.header("vary"), Some("Origin"));
        let r = raw(
            proxy,
            "OPTIONS",
            &path,
            &[("Origin", origin), ("Access-Control-Request-Method", "GET")],
        )
        .await;
        assert!(
            r.header("access-control-allow-origin").is_none(),
            "{origin}"
        );
        assert!(
            r.header("access-control-allow-methods").is_none(),
            "{origin}"
        );
    }
}

#[tokio::test]
async fn upstream_mode_has_no_default_origin() {
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = proxy_with_origins(&upstream, Origins::List(vec![])).await;
    let r = raw(
        proxy,
        "GET",
        &status_path("p", "d"),
        &[("Origin", "http://127.0.0.1:8080")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.header("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn mock_mode_allows_loopback_origins_by_default() {
    let proxy = start_proxy(mock_settings()).await;
    let r = raw(
        proxy,
        "GET",
        "/api/v2/p/datasets/status-running/sync-data/status",
        &[("Origin", "http://127.0.0.1:8080")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("access-control-allow-origin"),
        Some("http://127.0.0.1:8080")
    );
    let r = raw(
        proxy,
        "GET",
        "/api/v2/p/datasets/status-running/sync-data/status",
        &[("Origin", "https://evil.example")],
    )
    .await;
    assert!(r.header("access-control-allow-origin").is_none());
}

/// A throwaway `dist/` with the files trunk writes.
fn dist(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mss-proxy-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>t</title>").unwrap();
    std::fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("app.js"), "export default 1;").unwrap();
    std::fs::write(dir.join("style.css"), "body{}").unwrap();
    dir
}

#[tokio::test]
async fn static_files_have_their_types_and_revalidate() {
    let dir = dist("static");
    let upstream = FakeUpstream::start(Reply::default()).await;
    let proxy = start_proxy(with_static(
        upstream_settings(&upstream, token()),
        dir.clone(),
    ))
    .await;

    let r = raw(proxy, "GET", "/", &[]).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    let r = raw(proxy, "GET", "/index.html", &[]).await;
    assert_eq!(r.header("cache-control"), Some("no-cache"));

    let r = raw(proxy, "GET", "/app_bg.wasm", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(&r.body[..], b"\0asm\x01\0\0\0");
    let last_modified = r.header("last-modified").unwrap().to_owned();
    let r = raw(
        proxy,
        "GET",
        "/app_bg.wasm",
        &[("If-Modified-Since", &last_modified)],
    )
    .await;
    assert_eq!(r.status, 304);

    let r = raw(proxy, "GET", "/app.js", &[]).await;
    assert!(r.header("content-type").unwrap().contains("javascript"));
    let r = raw(proxy, "GET", "/style.css", &[]).await;
    assert!(r.header("content-type").unwrap().starts_with("text/css"));

    // Missing files, traversal and other verbs: JSON errors.
    for path in [
        "/missing.js",
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/..%2fCargo.toml",
    ] {
        let r = raw(proxy, "GET", path, &[]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["error_code"], "PROXY.0404", "{path}");
    }
    let r = raw(proxy, "POST", "/index.html", &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.json()["error_code"], "PROXY.0405");

    // The API still wins over files, and traversal there never reaches
    // the upstream.
    let r = raw(proxy, "GET", "/v2/p/datasets/../x", &[]).await;
    assert_eq!(r.status, 404);
    let r = raw(proxy, "GET", &status_path("p", "d"), &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(upstream.count(), 1);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn static_files_are_served_precompressed_to_browsers_that_accept_it() {
    let dir = dist("compressed");
    let plain = b"\0asm\x01\0\0\0";
    std::fs::write(dir.join("app_bg.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("app_bg.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(dir.join("app.js.gz"), b"gzip js").unwrap();
    let proxy = start_proxy(with_static(mock_settings(), dir.clone())).await;

    let wasm = |encodings: &'static str| async move {
        let headers: &[(&str, &str)] = if encodings.is_empty() {
            &[]
        } else {
            &[("Accept-Encoding", encodings)]
        };
        raw(proxy, "GET", "/app_bg.wasm", headers).await
    };
    let r = wasm("gzip, deflate, br, zstd").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-encoding"), Some("br"));
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(r.header("vary"), Some("accept-encoding"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert_eq!(&r.body[..], b"brotli bytes");
    let r = wasm("gzip").await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert_eq!(&r.body[..], b"gzip bytes");
    let r = wasm("").await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(r.header("vary"), Some("accept-encoding"));
    assert_eq!(&r.body[..], plain);
    // No .br beside it: the .gz for a browser that takes both.
    let r = raw(proxy, "GET", "/app.js", &[("Accept-Encoding", "br, gzip")]).await;
    assert_eq!(r.header("content-encoding"), Some("gzip"));
    assert!(r.header("content-type").unwrap().contains("javascript"));
    // Nothing beside it: the file as it is.
    let r = raw(
        proxy,
        "GET",
        "/style.css",
        &[("Accept-Encoding", "br, gzip")],
    )
    .await;
    assert_eq!(r.header("content-encoding"), None);
    assert_eq!(&r.body[..], b"body{}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_mock_keeps_serving_static_files_and_its_counters() {
    let dir = dist("mock");
    let proxy = start_proxy(with_static(mock_settings(), dir.clone())).await;
    assert_eq!(
        raw(proxy, "DELETE", "/__mock/requests", &[]).await.status,
        204
    );
    let r = raw(
        proxy,
        "GET",
        "/api/v2/p/datasets/http-401/sync-data/status",
        &[],
    )
    .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["error_code"], "APIG.0301");
    // The mock takes any IDs (the widget's encoding tests rely on it).
    let r = raw(
        proxy,
        "GET",
        "/api/v2/p%2F..%2Fx/datasets/a%20b%3Fc%23d/sync-data/status",
        &[],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["dataset_id"], "a b?c#d");
    let r = raw(proxy, "GET", "/__mock/requests", &[]).await;
    assert_eq!(r.json()["requests"]["http-401"], 1);
    let r = raw(proxy, "GET", "/", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn static_files_refuse_dotfiles_and_symlinks_out_of_the_folder() {
    let dir = dist("hidden");
    let outside = dir.with_extension("outside");
    let _ = std::fs::remove_dir_all(&outside);
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret.txt"), "outside-secret").unwrap();
    std::fs::write(outside.join("index.html"), "outside-index").unwrap();
    std::fs::write(dir.join(".env"), "MODELARTS_TOKEN=dot-secret").unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(dir.join(".git/config"), "dot-secret").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("leak.txt")).unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("out")).unwrap();
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::os::unix::fs::symlink(outside.join("index.html"), dir.join("docs/index.html")).unwrap();
    // A symlink that stays inside is the folder's own file.
    std::os::unix::fs::symlink(dir.join("app.js"), dir.join("alias.js")).unwrap();
    // ServeDir answers a file's .br in its place: that one is judged too.
    std::fs::write(dir.join("page.js"), "inside").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.txt"), dir.join("page.js.br")).unwrap();
    std::os::unix::fs::symlink(outside.join("index.html"), dir.join("index.html.gz")).unwrap();

    let proxy = start_proxy(with_static(mock_settings(), dir.clone())).await;
    for path in [
        "/.env",
        "/%2eenv",
        "/.git/config",
        "/leak.txt",
        "/out/secret.txt",
        "/out/",
        "/docs/",
        "/docs/index.html",
        "/page.js",
        "/",
    ] {
        let r = raw(proxy, "GET", path, &[("Accept-Encoding", "br, gzip")]).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.json()["error_code"], "PROXY.0404", "{path}");
        let body = String::from_utf8_lossy(&r.body);
        assert!(
            !body.contains("secret") && !body.contains("outside"),
            "{path}: {body}"
        );
    }
    let r = raw(proxy, "GET", "/alias.js", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"export default 1;");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&outside);
}
