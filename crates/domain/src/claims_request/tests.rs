use serde_json::json;

use super::*;

fn parse(v: &Value) -> Result<ClaimsRequest, ClaimsRequestError> {
    ClaimsRequest::parse(&v.to_string())
}

#[test]
fn the_spec_example_keeps_what_tessera_understands() {
    // OIDC Core §5.5's example, less the claims Tessera does not keep.
    let r = parse(&json!({
        "userinfo": {
            "given_name": {"essential": true},
            "nickname": null,
            "email": {"essential": true},
            "email_verified": {"essential": true},
            "picture": null,
            "http://example.info/claims/groups": null
        },
        "id_token": {
            "auth_time": {"essential": true},
            "acr": {"values": ["urn:mace:incommon:iap:silver"]}
        }
    }))
    .unwrap();
    assert_eq!(
        r.requested(Target::Userinfo).collect::<Vec<_>>(),
        ["email", "email_verified", "given_name"]
    );
    assert_eq!(r.requested(Target::IdToken).count(), 0);
    assert!(r.id_token["auth_time"].essential);
    assert_eq!(
        r.id_token["acr"].values,
        Some(vec![json!("urn:mace:incommon:iap:silver")])
    );
    assert!(!r.is_empty());
}

#[test]
fn unknown_members_and_claims_are_ignored() {
    let r = parse(
        &json!({"verified_claims": {"x": 1}, "userinfo": {"nickname": null,
        "email": {"essential": false, "purpose": "login"}}}),
    )
    .unwrap();
    assert_eq!(r.requested(Target::Userinfo).collect::<Vec<_>>(), ["email"]);
    assert_eq!(r.userinfo["email"], ClaimRequest::default());
    assert!(parse(&json!({})).unwrap().is_empty());
    assert!(
        parse(&json!({"id_token": {"picture": null}}))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn every_malformed_shape_is_refused() {
    use ClaimsRequestError as E;
    let t = Target::IdToken;
    let c = |s: &str| s.to_owned();
    assert_eq!(
        ClaimsRequest::parse("{"),
        Err(E::NotJson("line 1 column 1".into()))
    );
    assert!(matches!(ClaimsRequest::parse("nope"), Err(E::NotJson(_))));
    assert_eq!(parse(&json!(["id_token"])), Err(E::NotAnObject));
    assert_eq!(parse(&json!("x")), Err(E::NotAnObject));
    assert_eq!(
        parse(&json!({"userinfo": ["email"]})),
        Err(E::MemberNotAnObject(Target::Userinfo))
    );
    assert_eq!(
        parse(&json!({"id_token": null})),
        Err(E::MemberNotAnObject(t))
    );
    assert_eq!(
        parse(&json!({"id_token": {"email": true}})),
        Err(E::ClaimNotAnObject {
            target: t,
            claim: c("email")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"email": {"essential": "yes"}}})),
        Err(E::EssentialNotBoolean {
            target: t,
            claim: c("email")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"email": {"value": ["a"]}}})),
        Err(E::ValueNotScalar {
            target: t,
            claim: c("email")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"email": {"value": null}}})),
        Err(E::ValueNotScalar {
            target: t,
            claim: c("email")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"acr": {"values": "urn:x"}}})),
        Err(E::ValuesNotScalars {
            target: t,
            claim: c("acr")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"acr": {"values": []}}})),
        Err(E::ValuesNotScalars {
            target: t,
            claim: c("acr")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"acr": {"values": [{"a": 1}]}}})),
        Err(E::ValuesNotScalars {
            target: t,
            claim: c("acr")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"sub": {"value": 42}}})),
        Err(E::ValueNotString {
            target: t,
            claim: c("sub")
        })
    );
    assert_eq!(
        parse(&json!({"id_token": {"acr": {"values": ["urn:x", true]}}})),
        Err(E::ValueNotString {
            target: t,
            claim: c("acr")
        })
    );
    // An unknown claim's entry is checked too, and its name shortened in the error.
    let long = "x".repeat(100);
    assert_eq!(
        parse(&json!({"userinfo": {long.clone(): 3}})),
        Err(E::ClaimNotAnObject {
            target: Target::Userinfo,
            claim: "x".repeat(40)
        })
    );
    assert_eq!(
        parse(&json!({"userinfo": {"é\"\\\n": 3}})),
        Err(E::ClaimNotAnObject {
            target: Target::Userinfo,
            claim: "????".into()
        }),
        "only characters error_description allows"
    );
    let big = json!({"userinfo": {"email": {"value": "a".repeat(MAX_CLAIMS_LEN)}}});
    assert_eq!(parse(&big), Err(E::TooLong));
}

#[test]
fn error_descriptions_do_not_echo_the_input() {
    let e = ClaimsRequest::parse("{\"<script>\": ").unwrap_err();
    assert!(!e.to_string().contains("script"), "{e}");
}

#[test]
fn sub_with_a_value_names_the_only_account() {
    let r = parse(&json!({"id_token": {"sub": {"value": "abc"}}})).unwrap();
    assert!(!r.excludes_subject("abc"));
    assert!(r.excludes_subject("def"));
    let r = parse(&json!({"id_token": {"sub": {"values": ["a", "b"]}}})).unwrap();
    assert!(!r.excludes_subject("b") && r.excludes_subject("c"));
    // Without a value, or at userinfo, sub names no one.
    assert!(
        !parse(&json!({"id_token": {"sub": {"essential": true}}}))
            .unwrap()
            .excludes_subject("x")
    );
    assert!(
        !parse(&json!({"userinfo": {"sub": {"value": "a"}}}))
            .unwrap()
            .excludes_subject("x")
    );
}

#[test]
fn only_an_essential_acr_with_values_can_be_unmet() {
    let pwd = "urn:tessera:acr:pwd";
    let essential =
        |v: Value| parse(&json!({"id_token": {"acr": {"essential": true, "values": v}}})).unwrap();
    assert!(essential(json!(["urn:example:mfa"])).essential_acr_unmet_by(pwd));
    assert!(!essential(json!(["urn:example:mfa", pwd])).essential_acr_unmet_by(pwd));
    let one = parse(&json!({"id_token": {"acr": {"essential": true, "value": pwd}}})).unwrap();
    assert!(!one.essential_acr_unmet_by(pwd));
    // Voluntary (§5.5.1.1: best effort), or essential with any value: never unmet.
    let voluntary = parse(&json!({"id_token": {"acr": {"values": ["urn:example:mfa"]}}})).unwrap();
    assert!(!voluntary.essential_acr_unmet_by(pwd));
    let any = parse(&json!({"id_token": {"acr": {"essential": true}}})).unwrap();
    assert!(!any.essential_acr_unmet_by(pwd));
    assert!(!ClaimsRequest::default().essential_acr_unmet_by(pwd));
}

#[test]
fn merge_adds_requested_claims_the_account_has() {
    let by_scope = json!({"email": "a@x.test", "email_verified": true});
    let account = json!({"email": "other@x.test", "given_name": "Ada",
        "phone_number": "+33123456789", "name": "Ada L", "permissions": "admin",
        "sub": "someone-else"});
    let (Value::Object(by_scope), Value::Object(account)) = (by_scope, account) else {
        unreachable!()
    };
    let out = merge(
        by_scope,
        &account,
        [
            "given_name",
            "email",
            "family_name",
            "permissions",
            "sub",
            "phone_number",
        ],
    );
    assert_eq!(
        Value::Object(out),
        json!({"email": "a@x.test", "email_verified": true, "given_name": "Ada",
            "phone_number": "+33123456789"}),
        "scope claims stay; requested ones the account has are added; family_name (no \
         value), permissions and sub (not standard releasable claims) are not"
    );
    assert_eq!(merge(Map::new(), &account, []), Map::new());
}

#[test]
fn the_stored_form_round_trips() {
    let r = parse(
        &json!({"id_token": {"email": null, "acr": {"essential": true,
        "values": ["urn:a"]}}, "userinfo": {"phone_number": null}}),
    )
    .unwrap();
    let stored = serde_json::to_string(&r).unwrap();
    assert_eq!(
        stored,
        r#"{"id_token":{"acr":{"essential":true,"values":["urn:a"]},"email":{}},"userinfo":{"phone_number":{}}}"#
    );
    assert_eq!(serde_json::from_str::<ClaimsRequest>(&stored).unwrap(), r);
}
