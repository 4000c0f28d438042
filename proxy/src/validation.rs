//! Which requests may reach the upstream: only the status path, with IDs that
//! cannot smuggle anything else into the upstream URL.
//!
//! The path is parsed here from the raw request path, independently of the
//! router's matching, so encoded slashes (`%2F`), dot segments (`..`,
//! `%2e%2e`) and any other character outside `[A-Za-z0-9_-]` are refused
//! after percent-decoding. An accepted ID is made of unreserved characters
//! only, so it goes into the upstream URL (and the signature) as it is.

use percent_encoding::percent_decode_str;

/// The longest project or dataset ID accepted.
pub const MAX_ID_LEN: usize = 64;

/// One status request that may be forwarded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub project_id: String,
    pub dataset_id: String,
}

impl Target {
    /// The upstream path, `/v2/{project_id}/datasets/{dataset_id}/sync-data/status`.
    pub fn upstream_path(&self) -> String {
        format!(
            "/v2/{}/datasets/{}/sync-data/status",
            self.project_id, self.dataset_id
        )
    }

    /// The upstream path that starts a sync,
    /// `/v2/{project_id}/datasets/{dataset_id}/sync-data`.
    pub fn sync_path(&self) -> String {
        format!(
            "/v2/{}/datasets/{}/sync-data",
            self.project_id, self.dataset_id
        )
    }
}

/// Why a request is not forwarded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rejection {
    /// Not `[/api]/v2/{project_id}/datasets/{dataset_id}/sync-data/status`.
    NotStatusPath,
    BadProjectId,
    BadDatasetId,
    /// A valid ID, but not one of `--project`.
    ProjectNotAllowed,
    /// Not `[/api]/v2/{project_id}/datasets/{dataset_id}/sync-data`.
    NotSyncPath,
}

impl Rejection {
    pub fn message(self) -> &'static str {
        match self {
            Self::NotStatusPath => "Not found: this proxy only serves GET /v2/{project_id}/datasets/{dataset_id}/sync-data/status and its batch form /v2/{project_id}/datasets/sync-data/status?dataset_ids=a,b.",
            Self::BadProjectId => "Not found: a project ID is 1 to 64 of A-Z, a-z, 0-9, '_' and '-'.",
            Self::BadDatasetId => "Not found: a dataset ID is 1 to 64 of A-Z, a-z, 0-9, '_' and '-'.",
            Self::ProjectNotAllowed => "Not found: this proxy does not serve that project.",
            Self::NotSyncPath => "Not found: a sync is started with POST /v2/{project_id}/datasets/{dataset_id}/sync-data.",
        }
    }
}

/// `[A-Za-z0-9_-]{1,64}`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Percent-decodes one raw path segment and checks it is a valid ID.
fn decode_id(raw: &str) -> Option<String> {
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    is_valid_id(&decoded).then(|| decoded.into_owned())
}

/// The segments of a raw path, `/api` in front left out (the widget's
/// default proxy URL): `["", "v2", ...]`.
fn segments(path: &str) -> Vec<&str> {
    let path = match path.strip_prefix("/api") {
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    };
    path.split('/').collect()
}

/// Parses a raw request path (still percent-encoded, without the query):
/// `/v2/{p}/datasets/{d}/sync-data/status`, optionally under `/api`.
pub fn status_target(path: &str) -> Result<Target, Rejection> {
    let segments = segments(path);
    let ["", "v2", project, "datasets", dataset, "sync-data", "status"] = segments[..] else {
        return Err(Rejection::NotStatusPath);
    };
    let project_id = decode_id(project).ok_or(Rejection::BadProjectId)?;
    let dataset_id = decode_id(dataset).ok_or(Rejection::BadDatasetId)?;
    Ok(Target {
        project_id,
        dataset_id,
    })
}

/// Parses a raw path that starts a sync,
/// `/v2/{p}/datasets/{d}/sync-data` (optionally under `/api`), with the
/// same checks as [`status_target`].
pub fn sync_target(path: &str) -> Result<Target, Rejection> {
    let segments = segments(path);
    let ["", "v2", project, "datasets", dataset, "sync-data"] = segments[..] else {
        return Err(Rejection::NotSyncPath);
    };
    let project_id = decode_id(project).ok_or(Rejection::BadProjectId)?;
    let dataset_id = decode_id(dataset).ok_or(Rejection::BadDatasetId)?;
    Ok(Target {
        project_id,
        dataset_id,
    })
}

/// Whether a raw path has the shape of the sync path (IDs not checked): for
/// the CORS preflight, which says `POST` is allowed there.
pub fn is_sync_path(path: &str) -> bool {
    matches!(
        segments(path)[..],
        ["", "v2", _, "datasets", _, "sync-data"]
    )
}

/// Parses a raw batch path, `/v2/{p}/datasets/sync-data/status`
/// (optionally under `/api`), to its project ID.
pub fn batch_project(path: &str) -> Result<String, Rejection> {
    let segments = segments(path);
    let ["", "v2", project, "datasets", "sync-data", "status"] = segments[..] else {
        return Err(Rejection::NotStatusPath);
    };
    decode_id(project).ok_or(Rejection::BadProjectId)
}

/// Checks one dataset ID of a batch (already decoded).
pub fn batch_target(project_id: &str, dataset_id: &str) -> Result<Target, Rejection> {
    if !is_valid_id(dataset_id) {
        return Err(Rejection::BadDatasetId);
    }
    Ok(Target {
        project_id: project_id.to_owned(),
        dataset_id: dataset_id.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(p: &str, d: &str) -> Result<Target, Rejection> {
        Ok(Target {
            project_id: p.into(),
            dataset_id: d.into(),
        })
    }

    #[test]
    fn accepts_the_status_path_and_its_api_alias() {
        let ok = target("p-1_A", "gfghHSokody6AJigS5A");
        assert_eq!(
            status_target("/v2/p-1_A/datasets/gfghHSokody6AJigS5A/sync-data/status"),
            ok
        );
        assert_eq!(
            status_target("/api/v2/p-1_A/datasets/gfghHSokody6AJigS5A/sync-data/status"),
            ok
        );
        // Percent-encoded unreserved characters are the same IDs.
        assert_eq!(
            status_target("/v2/%70/datasets/%64/sync-data/status"),
            target("p", "d")
        );
        let long = "a".repeat(64);
        assert!(status_target(&format!("/v2/{long}/datasets/d/sync-data/status")).is_ok());
    }

    #[test]
    fn refuses_other_paths() {
        for path in [
            "/",
            "/v2/p/datasets/d/sync-data",
            "/v2/p/datasets/d/sync-data/status/",
            "/v2/p/datasets/d/sync-data/status/x",
            "/v2/p/datasets/d",
            "/v2/p/datasets/../x",
            "/v2/p/datasets/d/../d/sync-data/status",
            "/v1/p/datasets/d/sync-data/status",
            "/V2/p/datasets/d/sync-data/status",
            "//v2/p/datasets/d/sync-data/status",
            "/apiv2/p/datasets/d/sync-data/status",
            "/api/api/v2/p/datasets/d/sync-data/status",
            "v2/p/datasets/d/sync-data/status",
            "/v2/p/datasets/d/sync-data/%73tatus",
        ] {
            assert_eq!(status_target(path), Err(Rejection::NotStatusPath), "{path}");
        }
    }

    #[test]
    fn refuses_bad_ids() {
        let long = "a".repeat(65);
        for id in [
            "",
            "..",
            ".",
            "%2e%2e",
            "a%2Fb",
            "a%2fb",
            "a%5Cb",
            "a%20b",
            "a.b",
            "a~b",
            "%C3%A9",
            "%FF",
            "%",
            "%2",
            "a%00",
            "a%3Fb",
            "a%23b",
            long.as_str(),
        ] {
            assert_eq!(
                status_target(&format!("/v2/{id}/datasets/d/sync-data/status")),
                Err(Rejection::BadProjectId),
                "{id}"
            );
            assert_eq!(
                status_target(&format!("/v2/p/datasets/{id}/sync-data/status")),
                Err(Rejection::BadDatasetId),
                "{id}"
            );
        }
    }

    #[test]
    fn upstream_path_is_the_modelarts_path() {
        let t = Target {
            project_id: "p".into(),
            dataset_id: "d".into(),
        };
        assert_eq!(t.upstream_path(), "/v2/p/datasets/d/sync-data/status");
    }

    #[test]
    fn sync_paths() {
        let ok = target("p-1", "gfghHSokody6AJigS5A");
        assert_eq!(
            sync_target("/v2/p-1/datasets/gfghHSokody6AJigS5A/sync-data"),
            ok
        );
        assert_eq!(
            sync_target("/api/v2/p-1/datasets/gfghHSokody6AJigS5A/sync-data"),
            ok
        );
        assert_eq!(
            ok.unwrap().sync_path(),
            "/v2/p-1/datasets/gfghHSokody6AJigS5A/sync-data"
        );
        for path in [
            "/v2/p/datasets/d/sync-data/",
            "/v2/p/datasets/d/sync-data/status",
            "/v2/p/datasets/sync-data",
            "/v2/p/datasets/d/../d/sync-data",
            "/v2/p/datasets/d/%73ync-data",
            "/api/api/v2/p/datasets/d/sync-data",
        ] {
            assert_eq!(sync_target(path), Err(Rejection::NotSyncPath), "{path}");
            assert!(!is_sync_path(path), "{path}");
        }
        for id in ["..", "%2e%2e", "a%2Fb", "a.b", "%C3%A9"] {
            assert_eq!(
                sync_target(&format!("/v2/{id}/datasets/d/sync-data")),
                Err(Rejection::BadProjectId),
                "{id}"
            );
            assert_eq!(
                sync_target(&format!("/v2/p/datasets/{id}/sync-data")),
                Err(Rejection::BadDatasetId),
                "{id}"
            );
        }
        assert!(is_sync_path("/api/v2/p/datasets/d/sync-data"));
        assert!(is_sync_path("/v2/a.b/datasets/d/sync-data"));
    }

    #[test]
    fn batch_paths() {
        assert_eq!(
            batch_project("/v2/p1/datasets/sync-data/status"),
            Ok("p1".into())
        );
        assert_eq!(
            batch_project("/api/v2/p1/datasets/sync-data/status"),
            Ok("p1".into())
        );
        assert_eq!(
            batch_project("/v2/p%2F1/datasets/sync-data/status"),
            Err(Rejection::BadProjectId)
        );
        assert_eq!(
            batch_project("/v2/p1/datasets/d/sync-data/status"),
            Err(Rejection::NotStatusPath)
        );
        assert_eq!(batch_target("p", "d-1").unwrap().dataset_id, "d-1");
        assert_eq!(batch_target("p", "../x"), Err(Rejection::BadDatasetId));
        assert_eq!(batch_target("p", ""), Err(Rejection::BadDatasetId));
    }
}
