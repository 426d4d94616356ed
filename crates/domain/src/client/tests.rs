use super::*;

fn sample(platform: Platform) -> ClientApplication {
    ClientApplication {
        partition: PartitionId::parse("acme").unwrap(),
        client_id: uuid::Uuid::nil(),
        name: "Portal".into(),
        resource_type: ResourceType::Global,
        platform,
        redirect_urls: vec!["https://app.example/cb".into()],
        post_logout_redirect_urls: vec![],
        obo_enabled: false,
        token_exchange_enabled: false,
        access_token_ttl: 3600,
        enabled: true,
        id_token_signed_response_alg: DEFAULT_ID_TOKEN_ALG,
        backchannel_logout_uri: None,
        backchannel_logout_session_required: true,
        frontchannel_logout_uri: None,
        frontchannel_logout_session_required: true,
        permissions: vec![],
        created_at: OffsetDateTime::UNIX_EPOCH,
        updated_at: OffsetDateTime::UNIX_EPOCH,
    }
}

#[test]
fn redirect_url_rules() {
    for ok in [
        "https://app.example/cb",
        "http://localhost:3000/cb",
        "http://127.0.0.1/x",
        "http://[::1]:8/cb",
        "https://a.example/cb?x=1",
    ] {
        assert!(check_redirect_url(ok).is_ok(), "{ok}");
    }
    for bad in [
        "/relative",
        "http://app.example/cb",
        "https://app.example/cb#frag",
        "https://user@app.example/cb",
        "javascript:alert(1)",
        "ftp://x/",
    ] {
        assert!(check_redirect_url(bad).is_err(), "{bad}");
    }
}

/// The URL parser silently drops tabs and newlines and trims spaces and control characters at
/// either end, so these parsed as `https://app.example/cb`; registered as written, they could
/// never match a client's redirect_uri. The first is the `redirect_url` fuzz target's finding
/// (kept in `fuzz/corpus/redirect_url/`).
#[test]
fn redirect_urls_with_spaces_or_control_characters_are_refused() {
    for bad in [
        "\u{13}https:a",
        " https://app.example/cb",
        "https://app.example/cb ",
        "https://app.exa\tmple/cb",
        "https://app.example/c\nb",
        "https://app.example/c b",
        "https://app.example/cb\u{7f}",
    ] {
        assert_eq!(
            check_redirect_url(bad),
            Err("must not contain spaces or control characters".to_owned()),
            "{bad:?}"
        );
    }
    assert_eq!(check_redirect_url("https://app.example/c%20b"), Ok(()));
}

#[test]
fn spa_cannot_enable_obo_or_token_exchange() {
    let mut c = sample(Platform::Spa);
    c.obo_enabled = true;
    c.token_exchange_enabled = true;
    let fields: Vec<_> = c
        .validate()
        .unwrap_err()
        .0
        .into_iter()
        .map(|f| f.field)
        .collect();
    assert_eq!(fields, ["obo_enabled", "token_exchange_enabled"]);
}

#[test]
fn changes_are_validated_and_platform_is_immutable() {
    let mut c = sample(Platform::Web);
    let err = c
        .apply(
            ClientChanges {
                platform: Some(Platform::Spa),
                access_token_ttl: Some(10),
                redirect_urls: Some(vec!["http://evil.example/".into()]),
                ..Default::default()
            },
            OffsetDateTime::UNIX_EPOCH,
        )
        .unwrap_err();
    let fields: Vec<_> = err.0.into_iter().map(|f| f.field).collect();
    assert_eq!(fields, ["platform", "redirect_urls[0]", "access_token_ttl"]);
}

#[test]
fn id_token_alg_must_have_a_key() {
    let mut c = sample(Platform::Web);
    assert!(
        c.check_id_token_alg(&[SigningAlg::ES256, SigningAlg::RS256])
            .is_ok()
    );
    c.id_token_signed_response_alg = SigningAlg::EdDSA;
    let err = c
        .check_id_token_alg(&[SigningAlg::ES256, SigningAlg::RS256])
        .unwrap_err();
    assert_eq!(err.0[0].field, "id_token_signed_response_alg");
    assert!(err.0[0].message.contains("ES256, RS256"));
}

#[test]
fn logout_uri_rules() {
    let mut c = sample(Platform::Web);
    c.backchannel_logout_uri = Some("https://rp.example/bc?x=1".into());
    c.frontchannel_logout_uri = Some("https://app.example/fc".into());
    assert!(c.validate().is_ok());
    c.backchannel_logout_uri = Some("http://127.0.0.1:9000/bc".into());
    assert!(c.validate().is_ok(), "http on loopback");
    for (bad, why) in [
        ("https://rp.example/bc#f", "fragment"),
        ("http://rp.example/bc", "https"),
        ("/bc", "absolute"),
        ("https://u@rp.example/bc", "user information"),
    ] {
        c.backchannel_logout_uri = Some(bad.into());
        let err = c.validate().unwrap_err();
        assert_eq!(err.0[0].field, "backchannel_logout_uri", "{bad}");
        assert!(
            err.0[0].message.contains(why),
            "{bad}: {}",
            err.0[0].message
        );
    }
    c.backchannel_logout_uri = None;
    // Front-Channel Logout 1.0 §2: same scheme, host and port as a redirect URL.
    for bad in [
        "https://other.example/fc",
        "http://app.example/fc",
        "https://app.example:8443/fc",
        "https://app.example/fc#x",
    ] {
        c.frontchannel_logout_uri = Some(bad.into());
        let err = c.validate().unwrap_err();
        assert_eq!(err.0[0].field, "frontchannel_logout_uri", "{bad}");
    }
    // A SPA may have both.
    let mut spa = sample(Platform::Spa);
    spa.frontchannel_logout_uri = Some("https://app.example/logout".into());
    spa.backchannel_logout_uri = Some("https://api.example/bc".into());
    assert!(spa.validate().is_ok());
}

#[test]
fn logout_uris_are_changed_and_removed_by_patch() {
    let mut c = sample(Platform::Web);
    let changes: ClientChanges = serde_json::from_str(
        r#"{"backchannel_logout_uri": "https://rp.example/bc",
            "backchannel_logout_session_required": false}"#,
    )
    .unwrap();
    c.apply(changes, OffsetDateTime::UNIX_EPOCH).unwrap();
    assert_eq!(
        c.backchannel_logout_uri.as_deref(),
        Some("https://rp.example/bc")
    );
    assert!(!c.backchannel_logout_session_required);
    let untouched: ClientChanges = serde_json::from_str(r#"{"name": "P2"}"#).unwrap();
    c.apply(untouched, OffsetDateTime::UNIX_EPOCH).unwrap();
    assert!(c.backchannel_logout_uri.is_some(), "absent leaves it");
    let removed: ClientChanges =
        serde_json::from_str(r#"{"backchannel_logout_uri": null}"#).unwrap();
    c.apply(removed, OffsetDateTime::UNIX_EPOCH).unwrap();
    assert_eq!(c.backchannel_logout_uri, None, "null removes it");
}

#[test]
fn exact_redirect_matching() {
    let c = sample(Platform::Web);
    assert!(c.has_redirect_url("https://app.example/cb"));
    assert!(!c.has_redirect_url("https://app.example/cb/"));
    assert!(!c.has_redirect_url("https://app.example/cb?x"));
}
