use super::raw::option_name;
use super::rules::decimal;
use super::*;

fn parse(pairs: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    RawOptions::from_pairs(pairs.iter().map(|&(k, v)| (k, v))).validate()
}

#[test]
fn defaults_follow_the_contract() {
    let c = parse(&[("project_id", "p1"), ("dataset_id", "d1")]).unwrap();
    assert_eq!(c.proxy, "/api");
    assert_eq!(c.interval, Duration::from_secs(10));
    assert_eq!(c.idle_interval, Some(Duration::from_secs(60)));
    assert_eq!(c.timeout, Duration::from_secs(15));
    assert_eq!(c.max_backoff, Duration::from_secs(300));
    assert_eq!(c.duration_unit, DurationUnit::Milliseconds);
    assert_eq!(c.lang, None);
}

#[test]
fn both_spellings_of_keys_are_accepted() {
    let c = parse(&[
        ("proxy-url", "http://127.0.0.1:9009"),
        ("project-id", "p1"),
        ("Dataset-ID", "d1"),
        ("idle-interval", "0"),
        ("duration-unit", "s"),
        ("lang", "zh-CN"),
        ("unrelated", "x"),
    ])
    .unwrap();
    assert_eq!(c.proxy, "http://127.0.0.1:9009");
    assert_eq!(c.dataset_id, "d1");
    assert_eq!(c.idle_interval, None);
    assert_eq!(c.duration_unit, DurationUnit::Seconds);
    assert_eq!(c.lang, Some(Lang::ZhCn));
}

#[test]
fn fractions_are_allowed() {
    let c = parse(&[
        ("project_id", "p"),
        ("dataset_id", "d"),
        ("interval", "1.5"),
    ])
    .unwrap();
    assert_eq!(c.interval, Duration::from_millis(1500));
}

#[test]
fn every_problem_is_reported() {
    let errors = parse(&[
        ("interval", "0.5"),
        ("timeout", "soon"),
        ("idle_interval", "0.2"),
        ("duration_unit", "h"),
        ("lang", "fr"),
        ("proxy", "javascript:alert(1)"),
    ])
    .unwrap_err();
    let text = errors.to_string();
    assert_eq!(errors.errors.len(), 8, "{text}");
    for needle in [
        "project_id is required",
        "dataset_id is required",
        "interval must be at least 1 second",
        "timeout must be a number of seconds, not \"soon\"",
        "idle_interval must be 0 (never) or at least 1 second",
        "duration_unit must be",
        "lang must be",
        "only http and https",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in {text}");
    }
}

#[test]
fn dangerous_ids_are_refused() {
    for bad in [".", "..", "...", "a\nb"] {
        let err = parse(&[("project_id", "p"), ("dataset_id", bad)]).unwrap_err();
        assert!(
            matches!(err.errors[0], ConfigError::InvalidId { .. }),
            "{bad:?}"
        );
    }
    let long = "x".repeat(300);
    assert!(parse(&[("project_id", &long), ("dataset_id", "d")]).is_err());
    // Whitespace around an ID is a copy-paste slip, not part of it.
    let c = parse(&[("project_id", " p "), ("dataset_id", "a/b?c")]).unwrap();
    assert_eq!(c.project_id, "p");
    assert_eq!(c.dataset_id, "a/b?c");
}

#[test]
fn proxy_values() {
    let ok = |v: &str| parse(&[("proxy", v), ("project_id", "p"), ("dataset_id", "d")]);
    assert!(ok("/api").is_ok());
    assert!(ok("api/v").is_ok());
    assert!(ok("https://proxy.example/api").is_ok());
    assert!(ok("http://127.0.0.1:9009").is_ok());
    assert!(ok("/p/{project_id}/d/{dataset_id}?x=1").is_ok());
    assert!(ok("").is_err());
    assert!(ok("data:text/plain,hi").is_err());
    assert!(ok("http:foo").is_err());
    assert!(ok("/api?x=1").is_err());
}

#[test]
fn seconds_are_plain_decimals() {
    assert_eq!(decimal("10"), Some(10.0));
    assert_eq!(decimal("1.5"), Some(1.5));
    assert_eq!(decimal(".5"), Some(0.5));
    assert_eq!(decimal("2."), Some(2.0));
    assert_eq!(decimal("+3"), Some(3.0));
    assert_eq!(decimal("-1"), Some(-1.0));
    assert_eq!(decimal("0.0000000019"), Some(0.000000001));
    for bad in [
        "", ".", "-", "1e3", "inf", "NaN", "1.2.3", " 1", "1_000", "١",
    ] {
        assert_eq!(decimal(bad), None, "{bad:?}");
    }
}

proptest::proptest! {
    #[test]
    fn decimals_read_as_the_standard_parser_reads_them(
        text in "[+-]?[0-9]{0,6}(\\.[0-9]{0,9})?"
    ) {
        let ours = decimal(&text);
        let std = text.parse::<f64>().ok();
        proptest::prop_assert_eq!(ours.is_some(), std.is_some(), "{:?}", text);
        if let (Some(a), Some(b)) = (ours, std) {
            proptest::prop_assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{} {} {}", text, a, b);
        }
    }
}

#[test]
fn huge_numbers_are_refused_not_overflowed() {
    for v in [
        "1e308",
        "1e3",
        "inf",
        "NaN",
        "-1",
        "86401",
        "",
        ".",
        "+",
        "1.2.3",
        "1,5",
        "99999999999999999999999",
    ] {
        assert!(
            parse(&[("project_id", "p"), ("dataset_id", "d"), ("timeout", v)]).is_err(),
            "{v}"
        );
    }
}

#[test]
fn max_backoff_is_never_below_interval() {
    let c = parse(&[
        ("project_id", "p"),
        ("dataset_id", "d"),
        ("interval", "30"),
        ("max_backoff", "5"),
    ])
    .unwrap();
    assert_eq!(c.max_backoff, Duration::from_secs(30));
}

#[test]
fn credentials() {
    let c = parse(&[("project_id", "p"), ("dataset_id", "d")]).unwrap();
    assert_eq!(c.credentials, Credentials::SameOrigin);
    let c = parse(&[
        ("project_id", "p"),
        ("dataset_id", "d"),
        ("credentials", "Include"),
    ])
    .unwrap();
    assert_eq!(c.credentials, Credentials::Include);
    assert_eq!(Credentials::SameOrigin.as_str(), "same-origin");
    let err = parse(&[
        ("project_id", "p"),
        ("dataset_id", "d"),
        ("credentials", "always"),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "credentials must be one of \"omit\", \"same-origin\", \"include\", not \"always\"."
    );
}

#[test]
fn theme_and_variant() {
    let c = parse(&[("project_id", "p"), ("dataset_id", "d")]).unwrap();
    assert_eq!((c.theme, c.variant), (Theme::Auto, Variant::Card));
    let c = parse(&[
        ("project_id", "p"),
        ("dataset_id", "d"),
        ("theme", "Dark"),
        ("variant", "compact"),
    ])
    .unwrap();
    assert_eq!((c.theme, c.variant), (Theme::Dark, Variant::Compact));
    assert_eq!(Theme::Dark.as_str(), "dark");
    let err = parse(&[("project_id", "p"), ("dataset_id", "d"), ("theme", "neon")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "theme must be one of \"light\", \"dark\", \"auto\", not \"neon\"."
    );
}

#[test]
fn the_sync_action_is_off_by_default_and_needs_a_base_url() {
    let base = [("project_id", "p"), ("dataset_id", "d")];
    assert_eq!(parse(&base).unwrap().actions, Actions::None);
    let c = parse(&[base[0], base[1], ("actions", "SYNC")]).unwrap();
    assert_eq!(c.actions, Actions::Sync);
    let err = parse(&[
        base[0],
        base[1],
        ("actions", "sync"),
        ("proxy", "/s/{project_id}/{dataset_id}"),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "proxy \"/s/{project_id}/{dataset_id}\" is not usable: actions=\"sync\" needs a base URL, not a template."
    );
    let err = parse(&[base[0], base[1], ("actions", "delete")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "actions must be one of \"none\", \"sync\", not \"delete\"."
    );
}

#[test]
fn batch_requests_need_a_base_url() {
    let base = [("project_id", "p"), ("dataset_id", "d")];
    assert_eq!(parse(&base).unwrap().requests, Requests::Single);
    let c = parse(&[base[0], base[1], ("requests", "Batch")]).unwrap();
    assert_eq!(c.requests, Requests::Batch);
    let err = parse(&[
        base[0],
        base[1],
        ("requests", "batch"),
        ("proxy", "/s/{project_id}/{dataset_id}"),
    ])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "proxy \"/s/{project_id}/{dataset_id}\" is not usable: requests=\"batch\" needs a base URL, not a template."
    );
    let err = parse(&[base[0], base[1], ("requests", "all")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "requests must be one of \"single\", \"batch\", not \"all\"."
    );
}

#[test]
fn duration_units() {
    assert_eq!(
        DurationUnit::Seconds.to_duration(3),
        Some(Duration::from_secs(3))
    );
    assert_eq!(
        DurationUnit::Milliseconds.to_duration(3),
        Some(Duration::from_millis(3))
    );
    assert_eq!(DurationUnit::Milliseconds.to_duration(-1), None);
}

proptest::proptest! {
    /// Whatever a page puts in its query, validation answers; it never panics.
    #[test]
    fn any_text_validates_without_panicking(
        pairs in proptest::collection::vec(
            (proptest::sample::select(attributes()), ".{0,30}"),
            0..12,
        )
    ) {
        let _ = RawOptions::from_pairs(pairs).validate();
    }
}

/// `mount()`'s options as serde-wasm-bindgen hands them over; serde_json
/// drives the same `Deserialize` here.
fn from_object(json: &str) -> Result<Config, ConfigErrors> {
    serde_json::from_str::<RawOptions>(json).unwrap().validate()
}

#[test]
fn js_objects_take_numbers_and_every_spelling() {
    let c = from_object(
        r#"{"projectId": "p1", "dataset-id": "d1", "proxyUrl": "/x", "interval": 2.5,
            "idleInterval": "0", "maxBackoff": 40, "durationUnit": "s", "lang": null,
            "somethingElse": [1, {"a": 2}], "theme": "dark"}"#,
    )
    .unwrap();
    assert_eq!((c.project_id.as_str(), c.dataset_id.as_str()), ("p1", "d1"));
    assert_eq!(c.proxy, "/x");
    assert_eq!(c.interval, Duration::from_millis(2500));
    assert_eq!(c.idle_interval, None);
    assert_eq!(c.max_backoff, Duration::from_secs(40));
    assert_eq!(c.duration_unit, DurationUnit::Seconds);
    assert_eq!(c.lang, None);
    assert_eq!(c.theme, Theme::Dark);
}

#[test]
fn js_values_of_the_wrong_type_are_config_errors() {
    let err = from_object(
        r#"{"projectId": 5, "datasetId": "d", "interval": true, "timeout": [1],
            "theme": {"a": 1}, "maxBackoff": -1}"#,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "project_id must be text, not a number. \
         interval must be a number of seconds, not a boolean. \
         timeout must be a number of seconds, not a list. \
         max_backoff must be at least 1 second (got -1). \
         theme must be text, not an object."
    );
    assert!(serde_json::from_str::<RawOptions>("\"p1\"").is_err());
    assert!(serde_json::from_str::<RawOptions>("[]").is_err());
}

#[test]
fn option_names_in_every_spelling() {
    for key in [
        "projectId",
        "project_id",
        "project-id",
        "Project-ID",
        "PROJECT_ID",
    ] {
        assert_eq!(option_name(key), "project_id", "{key}");
    }
    assert_eq!(option_name("Interval"), "interval");
    assert_eq!(option_name("proxyUrl"), "proxy_url");
}

#[test]
fn every_option_has_one_spelling_per_place() {
    let interval = OPTIONS.iter().find(|o| o.name == "idle_interval").unwrap();
    assert_eq!(interval.attribute(), "idle-interval");
    assert_eq!(interval.js_key(), "idleInterval");
    assert!(attributes().contains(&"proxy-url".to_owned()));
    assert!(attributes().contains(&"project-id".to_owned()));
    assert_eq!(attributes().len(), OPTIONS.len() + 1);
    // Every name and alias reaches its option, in every spelling.
    for o in OPTIONS {
        for key in [o.name.to_owned(), o.attribute(), o.js_key()] {
            let mut raw = RawOptions::default();
            assert!(raw.set(&key, Some("x".into())), "{key}");
            assert_eq!(raw.value(o.name), Some(&OptionValue::from("x")), "{key}");
        }
    }
    assert!(!RawOptions::default().set("nonsense", None));
}

#[test]
fn the_readme_options_table_is_the_declared_one() {
    let readme = include_str!("../../../README.md");
    let table = options_table();
    assert!(
        readme.contains(&table),
        "README.md's options table differs from core::config::OPTIONS; put this in it:\n{table}"
    );
}

#[test]
fn long_values_are_shortened_in_messages() {
    let long = "y".repeat(500);
    let err = parse(&[("project_id", "p"), ("dataset_id", "d"), ("lang", &long)]).unwrap_err();
    assert!(err.to_string().len() < 200);
}

#[test]
fn every_declared_default_reads() {
    for (o, default) in OPTIONS.iter().filter_map(|o| Some((o, o.default?))) {
        let mut raw = RawOptions::from_pairs([("project_id", "p"), ("dataset_id", "d")]);
        raw.set(o.name, Some(default.into()));
        assert!(raw.validate().is_ok(), "{}'s default {default:?}", o.name);
    }
    let typed = SyncStatusOptions::default().project_id("p").dataset_id("d");
    assert_eq!(
        typed.validate(),
        parse(&[("project_id", "p"), ("dataset_id", "d")])
    );
}

#[test]
fn typed_options_are_checked_as_text_is() {
    let typed = SyncStatusOptions::default()
        .project_id(" p ")
        .interval(Duration::from_millis(500))
        .idle_interval(Duration::ZERO)
        .timeout(Duration::from_secs(100_000))
        .lang(Lang::ZhCn);
    let err = typed.validate().unwrap_err();
    assert_eq!(err.lang, Some(Lang::ZhCn));
    assert_eq!(
        err.to_string(),
        "dataset_id is required. \
         interval must be at least 1 second (got 0.5). \
         timeout must be at most 86400 seconds (a day) (got 100000)."
    );
    let c = typed
        .dataset_id("d")
        .interval(Duration::from_secs(2))
        .timeout(Duration::from_secs(3))
        .validate()
        .unwrap();
    assert_eq!(c.project_id, "p");
    assert_eq!(c.idle_interval, None, "0 is never, as in text");
    let err = SyncStatusOptions::default()
        .project_id("p")
        .dataset_id("d")
        .idle_interval(Duration::from_millis(200))
        .validate()
        .unwrap_err();
    assert!(matches!(
        err.errors[..],
        [ConfigError::OutOfRange {
            rule: Rule::ZeroOrAtLeastOne,
            ..
        }]
    ));
}

#[test]
fn text_ends_in_the_typed_options() {
    let raw = RawOptions::from_pairs([
        ("project_id", "p"),
        ("dataset_id", "d"),
        ("theme", "dark"),
        ("interval", "5"),
    ]);
    let expected = SyncStatusOptions::default()
        .project_id("p")
        .dataset_id("d")
        .theme(Theme::Dark)
        .interval(Duration::from_secs(5));
    assert_eq!(raw.options(), Ok(expected));
}

#[test]
fn every_option_is_a_property_of_the_element() {
    let properties = properties();
    // But `lang`, which HTMLElement has.
    assert_eq!(properties.len(), OPTIONS.len() - 1);
    assert!(!properties.iter().any(|(key, _)| key == "lang"));
    assert!(properties.contains(&("datasetId".to_owned(), vec!["dataset-id".to_owned()])));
    assert!(properties.contains(&(
        "proxy".to_owned(),
        vec!["proxy".to_owned(), "proxy-url".to_owned()]
    )));
    // Every attribute a property stands for is observed.
    let observed = attributes();
    for (_, names) in &properties {
        assert!(names.iter().all(|n| observed.contains(n)), "{names:?}");
    }
}

#[test]
fn the_typescript_declarations_are_the_declared_ones() {
    let file = include_str!("../../../js/modelarts-sync-status.d.ts");
    let made = typescript::declarations();
    // `MSS_BLESS=1 cargo test` writes the file (as expect-test's UPDATE_EXPECT).
    if std::env::var_os("MSS_BLESS").is_some() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/js/modelarts-sync-status.d.ts");
        std::fs::write(path, &made).unwrap();
        return;
    }
    assert!(
        file == made,
        "js/modelarts-sync-status.d.ts differs from core::config::OPTIONS: run `MSS_BLESS=1 cargo test` \
         to write it, or put this in it:\n{made}"
    );
    assert!(made.contains("  theme?: 'light' | 'dark' | 'auto' | null;\n"));
    assert!(made.contains("  set interval(value: number | string | null | undefined);\n"));
    assert!(!made.contains("get lang()"), "HTMLElement has lang");
}
