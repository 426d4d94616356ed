//! A code's bindings (client, redirect URI, PKCE verifier) are checked before it is consumed: a
//! presentation that fails them leaves the code to its rightful client; a replay by that client
//! that passes them still revokes the grant, while another client's presentation of a used code,
//! or one without the right verifier, revokes nothing.

use crate::code_flow_refusals::{VERIFIER, code_for, redeem_raw, setup};
use crate::code_flow_support::{Browser, WEB_REDIRECT, introspect_raw, token_request, web_app};

#[tokio::test]
async fn failed_presentations_do_not_spend_the_code() {
    let (s, _, app) = setup().await;
    let other = web_app(&s, "Other app").await;
    let browser = Browser::new();
    let code = code_for(&s, &browser, 'U', &app, "agent7", &[]).await;
    let refused = |(st, body): (u16, serde_json::Value), what: &str| {
        assert_eq!(
            (st, body["error"].as_str()),
            (400, Some("invalid_grant")),
            "{what}: {body}"
        );
    };

    // Another client, with everything else right.
    let stolen = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", WEB_REDIRECT),
        ("code_verifier", VERIFIER),
    ];
    refused(
        token_request(&s, 'U', &other, &stolen).await,
        "another client",
    );
    // The right client with a wrong redirect URI, a wrong verifier, no verifier.
    refused(
        token_request(
            &s,
            'U',
            &app,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.as_str()),
                ("redirect_uri", "http://127.0.0.1:8081/other"),
                ("code_verifier", VERIFIER),
            ],
        )
        .await,
        "wrong redirect_uri",
    );
    let wrong = "another-verifier-0123456789-abcdefghijklmnopqrs";
    refused(
        redeem_raw(&s, 'U', &app, &code, Some(wrong)).await,
        "wrong verifier",
    );
    refused(redeem_raw(&s, 'U', &app, &code, None).await, "no verifier");

    // None of them spent the code.
    let (st, tokens) = redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await;
    assert_eq!(st, 200, "the rightful redemption still works: {tokens}");
    let access = tokens["access_token"].as_str().unwrap();

    // Another client presenting the used code is refused and revokes nothing.
    refused(
        token_request(&s, 'U', &other, &stolen).await,
        "another client, used code",
    );
    assert_eq!(
        introspect_raw(&s, 'U', &app, access).await["active"],
        true,
        "another client's presentation of a used code revokes nothing"
    );

    // A replay that fails the bindings (here the verifier, which whoever saw the used code in a
    // log or a referrer does not have) revokes nothing either.
    refused(
        redeem_raw(&s, 'U', &app, &code, Some(wrong)).await,
        "replay with a wrong verifier",
    );
    refused(
        redeem_raw(&s, 'U', &app, &code, None).await,
        "replay without a verifier",
    );
    assert_eq!(
        introspect_raw(&s, 'U', &app, access).await["active"],
        true,
        "a replay that fails the bindings revokes nothing"
    );

    // The rightful client's replay, bindings and all, revokes the grant.
    refused(
        redeem_raw(&s, 'U', &app, &code, Some(VERIFIER)).await,
        "replay",
    );
    assert_eq!(
        introspect_raw(&s, 'U', &app, access).await["active"],
        false,
        "a replay by the client revokes the grant"
    );
}
