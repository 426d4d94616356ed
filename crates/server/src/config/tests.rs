//! The configuration's layers, refusals and reference file.

use super::*;

#[test]
fn layers_apply_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(
        &file,
        "public_url = \"https://file.example\"\n[tokens]\naccess_token_ttl = 600\n",
    )
    .unwrap();
    let env = vec![
        (
            "TESSERA_TOKENS__ACCESS_TOKEN_TTL".to_owned(),
            "900".to_owned(),
        ),
        ("TESSERA_LOG_FORMAT".to_owned(), "json".to_owned()),
        ("OTHER".to_owned(), "x".to_owned()),
        (
            "TESSERA_TEST_POSTGRES_URL".to_owned(),
            "postgres://elsewhere".to_owned(),
        ),
    ];
    let o = Overrides {
        listen: Some("0.0.0.0:9000".into()),
        ..Default::default()
    };
    let c = Config::load(Some(&file), env, &o).unwrap();
    assert_eq!(c.public_url, "https://file.example");
    assert_eq!(c.tokens.access_token_ttl, 900);
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.listen, "0.0.0.0:9000");
    assert_eq!(c.api_url(), "https://file.example");
}

#[test]
fn unknown_keys_and_bad_values_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(&file, "lissen = \"x\"\n").unwrap();
    assert!(Config::load(Some(&file), vec![], &Overrides::default()).is_err());
    let env = vec![(
        "TESSERA_TOKENS__ACCESS_TOKEN_TTL".to_owned(),
        "ten".to_owned(),
    )];
    assert!(Config::load(None, env, &Overrides::default()).is_err());
    let o = Overrides {
        public_url: Some("not a url".into()),
        ..Default::default()
    };
    assert!(Config::load(None, vec![], &o).is_err());
}

#[test]
fn unknown_environment_variables_are_refused() {
    let load = |name: &str| {
        Config::load(
            None,
            vec![(name.to_owned(), "x".to_owned())],
            &Overrides::default(),
        )
    };
    let e = load("TESSERA_PUBLIK_URL").unwrap_err().to_string();
    assert!(
        e.contains("TESSERA_PUBLIK_URL") && e.contains("config example"),
        "{e}"
    );
    let e = load("TESSERA_TOKENS__ACCES_TOKEN_TTL")
        .unwrap_err()
        .to_string();
    assert!(e.contains("acces_token_ttl"), "{e}");
    // What other tools read is not configuration, and not an error.
    for other in [
        "TESSERA_CONFIG",
        "TESSERA_LOG",
        "TESSERA_TEST_POSTGRES_URL",
        "TESSERA_ISSUER",
        "TESSERA_SPA_CLIENT_ID",
        "TESSERA_SERVICE_HOST",
        "TESSERA_PORT",
        "TESSERA_PORT_8080_TCP_ADDR",
        "OTHER",
    ] {
        assert!(load(other).is_ok(), "{other}");
    }
}

#[test]
fn trusted_proxies_are_checked_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("t.toml");
    std::fs::write(
        &file,
        "[proxy]\ntrusted_proxies = [\"10.0.0.0/8\", \"10.0.0/8\"]\n",
    )
    .unwrap();
    let e = Config::load(Some(&file), vec![], &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("\"10.0.0/8\" is not a CIDR block such as 10.0.0.0/8"),
        "{e}"
    );
    let env = vec![(
        "TESSERA_PROXY__TRUSTED_PROXIES".to_owned(),
        "10.0.0.0/8, 2001:db8::/32".to_owned(),
    )];
    let c = Config::load(None, env, &Overrides::default()).unwrap();
    assert!(c.proxy.trusts("10.1.2.3".parse().unwrap()));
    assert!(c.proxy.trusts("2001:db8::1".parse().unwrap()));
    assert!(!c.proxy.trusts("192.0.2.1".parse().unwrap()));
    assert!(Config::default().proxy.trusted_proxies.is_empty());
}

#[test]
fn loopback_fetches_are_off_unless_switched_on() {
    let c = Config::load(None, vec![], &Overrides::default()).unwrap();
    assert!(!c.federation.policy().allow_loopback);
    let env = vec![(
        "TESSERA_FEDERATION__ALLOW_LOOPBACK".to_owned(),
        "true".to_owned(),
    )];
    let c = Config::load(None, env, &Overrides::default()).unwrap();
    assert!(c.federation.policy().allow_loopback);
}

#[test]
fn logout_delivery_has_sane_defaults_and_bounds() {
    let c = Config::load(None, vec![], &Overrides::default()).unwrap();
    assert!(
        !c.logout.policy().allow_loopback,
        "loopback is off by default"
    );
    assert_eq!(c.logout.attempts, 3);
    assert!(
        u64::from(c.logout.attempts) * c.logout.attempt_timeout_ms / 1000 <= c.logout.deadline_secs
    );
    for (key, bad) in [
        ("TESSERA_LOGOUT__ATTEMPTS", "0"),
        ("TESSERA_LOGOUT__ATTEMPT_TIMEOUT_MS", "10"),
        ("TESSERA_LOGOUT__DEADLINE_SECS", "0"),
        ("TESSERA_LOGOUT__QUEUE_CAPACITY", "0"),
        ("TESSERA_LOGOUT__MAX_IN_FLIGHT", "0"),
    ] {
        let env = vec![(key.to_owned(), bad.to_owned())];
        assert!(
            Config::load(None, env, &Overrides::default()).is_err(),
            "{key}={bad}"
        );
    }
    let env = vec![(
        "TESSERA_LOGOUT__ALLOW_LOOPBACK".to_owned(),
        "true".to_owned(),
    )];
    let c = Config::load(None, env, &Overrides::default()).unwrap();
    assert!(c.logout.policy().allow_loopback);
}

#[test]
fn metrics_are_off_unless_configured() {
    let c = Config::default();
    assert!(!c.metrics.enabled() && !c.metrics.on_main_listener());
    let env = vec![(
        "TESSERA_METRICS__BEARER_TOKEN_FILE".to_owned(),
        "/run/secrets/metrics".to_owned(),
    )];
    let c = Config::load(None, env, &Overrides::default()).unwrap();
    assert!(c.metrics.enabled() && c.metrics.on_main_listener());
    let env = vec![(
        "TESSERA_METRICS__LISTEN".to_owned(),
        "127.0.0.1:9100".to_owned(),
    )];
    let c = Config::load(None, env, &Overrides::default()).unwrap();
    assert!(c.metrics.enabled() && !c.metrics.on_main_listener());
    for bad in ["nowhere", "127.0.0.1:8080"] {
        let env = vec![("TESSERA_METRICS__LISTEN".to_owned(), bad.to_owned())];
        assert!(
            Config::load(None, env, &Overrides::default()).is_err(),
            "{bad}"
        );
    }
}

#[test]
fn committed_reference_is_current() {
    let committed = include_str!("../../../../config.example.toml");
    assert_eq!(
        committed,
        reference(),
        "run `cargo run -p tessera-server -- config example > config.example.toml`"
    );
}
