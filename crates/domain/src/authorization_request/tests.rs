//! Every refusal of an authorization request, and the rules that shape an accepted one.

use time::OffsetDateTime;

use super::*;
use crate::client::{DEFAULT_ID_TOKEN_ALG, ResourceType};
use crate::clock::MockClock;
use crate::ids::PartitionId;
use crate::permission::{Hub, PermissionKind};
use crate::scope::ScopeProblem;

const REDIRECT: &str = "https://app.example/cb";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn client(platform: Platform) -> ClientApplication {
    ClientApplication {
        partition: PartitionId::parse("acme").unwrap(),
        client_id: uuid::Uuid::from_u128(1),
        name: "Portal".into(),
        resource_type: ResourceType::Global,
        platform,
        redirect_urls: vec![REDIRECT.into()],
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

fn catalog() -> HashMap<String, Permission> {
    [
        ("docs.read", PermissionKind::Delegated),
        ("core.usermgr.read", PermissionKind::Application),
    ]
    .into_iter()
    .map(|(name, kind)| {
        let p = Permission {
            name: name.into(),
            hub: Hub::Knowledge,
            kind,
            description: String::new(),
            anonymous: false,
        };
        (name.to_owned(), p)
    })
    .collect()
}

/// Checks `params` (the defaults of a good request, changed by `change`) for `platform`.
fn checked<'a>(
    platform: Platform,
    change: impl FnOnce(&mut Parameters<'a>),
) -> Result<Checked, RequestError> {
    let catalog = catalog();
    let assigned: HashSet<String> = ["docs.read", "core.usermgr.read"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    let mut params = Parameters {
        state: Some("st-1"),
        response_type: Some("code"),
        scope: Some("openid app.docs.read"),
        code_challenge: Some(CHALLENGE),
        code_challenge_method: Some("S256"),
        ..Parameters::default()
    };
    change(&mut params);
    check(
        &params,
        &client(platform),
        Grantable {
            prefix: "app.",
            catalog: &catalog,
            assigned: &assigned,
        },
    )
}

fn refused<'a>(change: impl FnOnce(&mut Parameters<'a>)) -> RequestError {
    checked(Platform::Web, change).unwrap_err()
}

#[test]
fn a_good_request_passes_with_its_defaults() {
    let ok = checked(Platform::Spa, |_| {}).unwrap();
    assert_eq!(ok.scope.to_scope_string(), "openid docs.read");
    assert_eq!(ok.code_challenge.as_deref(), Some(CHALLENGE));
    assert_eq!(ok.prompt, Prompt::Default);
    assert_eq!(
        (ok.max_age, ok.nonce, ok.login_hint, ok.claims),
        (None, None, None, None)
    );
    // A Web app may do without PKCE.
    let ok = checked(Platform::Web, |p| {
        p.code_challenge = None;
        p.code_challenge_method = None;
    })
    .unwrap();
    assert_eq!(ok.code_challenge, None);
}

#[test]
fn the_client_and_redirect_uri_decide_whether_to_redirect() {
    assert_eq!(client_id(None), Err(PageError::NoClientId));
    assert_eq!(client_id(Some("not-a-uuid")), Err(PageError::UnknownClient));
    assert_eq!(
        client_id(Some("00000000-0000-0000-0000-000000000001")),
        Ok(uuid::Uuid::from_u128(1))
    );
    let web = client(Platform::Web);
    assert_eq!(check_client(&web), Ok(()));
    let disabled = ClientApplication {
        enabled: false,
        ..client(Platform::Web)
    };
    assert_eq!(check_client(&disabled), Err(PageError::UnknownClient));
    assert_eq!(redirect_uri(&web, None), Err(PageError::NoRedirectUri));
    assert_eq!(redirect_uri(&web, Some(REDIRECT)), Ok(REDIRECT));
    for near in [
        "https://app.example/cb/",
        "https://app.example/Cb",
        "HTTPS://app.example/cb",
        "https://app.example/cb?x=1",
        "https://app.example/cb#f",
        "https://app.example@evil.example/cb",
        "https://app.example:8443/cb",
        "https://www.app.example/cb",
        "https://evil.example/cb",
        "https://app.example/cb/extra",
    ] {
        assert_eq!(
            redirect_uri(&web, Some(near)),
            Err(PageError::UnregisteredRedirectUri),
            "{near}"
        );
    }
}

#[test]
fn echoed_values_are_bounded() {
    let long = "s".repeat(MAX_ECHO_LEN + 1);
    let edge = "s".repeat(MAX_ECHO_LEN);
    assert_eq!(
        refused(|p| p.state = Some(&long)),
        RequestError::StateTooLong
    );
    assert_eq!(
        refused(|p| p.nonce = Some(&long)),
        RequestError::NonceTooLong
    );
    let ok = checked(Platform::Web, |p| {
        p.state = Some(&edge);
        p.nonce = Some(&edge);
    })
    .unwrap();
    assert_eq!(ok.nonce, Some(edge.clone()));
    let hint = "é".repeat(300);
    let ok = checked(Platform::Web, |p| p.login_hint = Some(&hint)).unwrap();
    assert_eq!(ok.login_hint.unwrap().chars().count(), MAX_LOGIN_HINT);
}

#[test]
fn request_objects_are_not_supported() {
    assert_eq!(
        refused(|p| p.request = Some("e30.e30.")),
        RequestError::RequestObject
    );
    assert_eq!(
        refused(|p| p.request_uri = Some("https://app.example/r.jwt")),
        RequestError::RequestUri
    );
}

#[test]
fn only_the_code_flow_with_query_responses() {
    assert_eq!(
        refused(|p| p.response_type = None),
        RequestError::NoResponseType
    );
    for other in ["token", "code id_token", "id_token"] {
        assert_eq!(
            refused(|p| p.response_type = Some(other)),
            RequestError::UnsupportedResponseType(other.into())
        );
    }
    let long = "t".repeat(100);
    assert_eq!(
        refused(|p| p.response_type = Some(&long)).to_string(),
        format!(
            "response_type {:?} is not supported; only the authorization code flow (response_type=code) is",
            "t".repeat(40)
        )
    );
    assert_eq!(
        refused(|p| p.response_mode = Some("fragment")),
        RequestError::ResponseMode
    );
    assert!(checked(Platform::Web, |p| p.response_mode = Some("query")).is_ok());
}

#[test]
fn the_scope_must_be_grantable() {
    let RequestError::Scope(ScopeError::Refused { problems, .. }) =
        refused(|p| p.scope = Some("openid app.core.usermgr.read no.such.thing"))
    else {
        panic!("a scope refusal");
    };
    assert_eq!(problems.len(), 2);
    assert!(matches!(problems[0].1, ScopeProblem::WrongKind { .. }));
    assert_eq!(problems[1].1, ScopeProblem::Unknown);
}

#[test]
fn pkce_is_s256_and_required_of_a_spa() {
    assert_eq!(
        refused(|p| p.code_challenge_method = Some("plain")),
        RequestError::Pkce(PkceError::UnsupportedMethod)
    );
    assert_eq!(
        refused(|p| p.code_challenge_method = None),
        RequestError::Pkce(PkceError::UnsupportedMethod)
    );
    assert_eq!(
        refused(|p| p.code_challenge = None),
        RequestError::Pkce(PkceError::MethodWithoutChallenge)
    );
    assert_eq!(
        refused(|p| p.code_challenge = Some("short")),
        RequestError::Pkce(PkceError::MalformedChallenge)
    );
    let spa = checked(Platform::Spa, |p| {
        p.code_challenge = None;
        p.code_challenge_method = None;
    });
    assert_eq!(spa, Err(RequestError::SpaWithoutPkce));
}

#[test]
fn prompt_values() {
    assert_eq!(parse_prompt(None), Ok(Prompt::Default));
    assert_eq!(parse_prompt(Some("none")), Ok(Prompt::None));
    assert_eq!(parse_prompt(Some("login consent")), Ok(Prompt::Login));
    assert_eq!(parse_prompt(Some("select_account")), Ok(Prompt::Login));
    assert_eq!(parse_prompt(Some("consent")), Ok(Prompt::Default));
    assert_eq!(
        parse_prompt(Some("none login")),
        Err(RequestError::PromptNoneCombined)
    );
    assert_eq!(
        parse_prompt(Some("bogus")),
        Err(RequestError::UnsupportedPrompt("bogus".into()))
    );
    assert_eq!(
        refused(|p| p.prompt = Some("none consent")),
        RequestError::PromptNoneCombined
    );
}

#[test]
fn force_login_and_max_age_zero_mean_prompt_login() {
    for (force, prompt) in [
        ("true", Prompt::Login),
        ("TRUE", Prompt::Login),
        ("false", Prompt::Default),
    ] {
        let ok = checked(Platform::Web, |p| p.force_login = Some(force)).unwrap();
        assert_eq!(ok.prompt, prompt, "{force}");
    }
    // prompt=none stays none: the client asked never to see a page.
    let ok = checked(Platform::Web, |p| {
        p.force_login = Some("true");
        p.prompt = Some("none");
    })
    .unwrap();
    assert_eq!(ok.prompt, Prompt::None);
    let ok = checked(Platform::Web, |p| p.max_age = Some("0")).unwrap();
    assert_eq!((ok.prompt, ok.max_age), (Prompt::Login, Some(0)));
    let ok = checked(Platform::Web, |p| {
        p.max_age = Some("0");
        p.prompt = Some("none");
    })
    .unwrap();
    assert_eq!(ok.prompt, Prompt::None);
    let ok = checked(Platform::Web, |p| p.max_age = Some("3600")).unwrap();
    assert_eq!((ok.prompt, ok.max_age), (Prompt::Default, Some(3600)));
    for bad in ["-1", "1.5", "soon", "4294967296"] {
        assert_eq!(
            refused(|p| p.max_age = Some(bad)),
            RequestError::MaxAge,
            "{bad}"
        );
    }
}

#[test]
fn max_age_counts_fractions_of_a_second() {
    let signed_in = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let clock = MockClock::new(signed_in);
    assert!(within_max_age(None, signed_in, &clock));
    assert!(within_max_age(Some(0), signed_in, &clock));
    clock.advance(time::Duration::seconds(1));
    assert!(
        within_max_age(Some(1), signed_in, &clock),
        "exactly max_age"
    );
    assert!(!within_max_age(Some(0), signed_in, &clock));
    // 1.3 s after signing in, more than max_age=1 has elapsed: OIDC Core §3.1.2.1 requires a
    // new sign-in ("if the elapsed time is greater than this value").
    clock.advance(time::Duration::milliseconds(300));
    assert!(!within_max_age(Some(1), signed_in, &clock));
    assert!(within_max_age(Some(2), signed_in, &clock));
    assert!(within_max_age(None, signed_in, &clock));
}

#[test]
fn the_claims_parameter_is_parsed_and_its_essential_acr_checked() {
    assert!(matches!(
        refused(|p| p.claims = Some("[]")),
        RequestError::Claims(_)
    ));
    // Nothing Tessera understands: as if there were no claims parameter.
    let ok = checked(Platform::Web, |p| p.claims = Some(r#"{"other":{}}"#)).unwrap();
    assert_eq!(ok.claims, None);
    let ok = checked(Platform::Web, |p| {
        p.claims = Some(r#"{"id_token":{"email":null}}"#)
    })
    .unwrap();
    assert!(ok.claims.is_some());
    assert_eq!(
        refused(
            |p| p.claims = Some(r#"{"id_token":{"acr":{"essential":true,"values":["urn:x"]}}}"#)
        ),
        RequestError::UnreachableAcr
    );
    assert_eq!(
        RequestError::UnreachableAcr.to_string(),
        format!(
            "the claims parameter asks for an essential acr that Tessera cannot reach; it supports {}",
            ACR_VALUES_SUPPORTED.join(", ")
        )
    );
    // Not essential: a wish, not a condition.
    assert!(
        checked(Platform::Web, |p| p.claims =
            Some(r#"{"id_token":{"acr":{"values":["urn:x"]}}}"#))
        .is_ok()
    );
}

#[test]
fn the_first_refusal_is_the_one_reported() {
    assert_eq!(
        refused(|p| {
            p.request = Some("x");
            p.response_type = Some("token");
            p.max_age = Some("x");
        }),
        RequestError::RequestObject
    );
    assert_eq!(
        refused(|p| {
            p.response_type = Some("token");
            p.scope = Some("no.such.thing");
        }),
        RequestError::UnsupportedResponseType("token".into())
    );
}

#[test]
fn a_request_may_name_its_account() {
    let me = uuid::Uuid::from_u128(5);
    let someone = uuid::Uuid::from_u128(6).to_string();
    assert_eq!(other_account(None, None, me), None);
    assert_eq!(other_account(Some(&me.to_string()), None, me), None);
    assert_eq!(
        other_account(Some(&someone), None, me),
        Some(OtherAccount::Hint)
    );
    let raw = format!(r#"{{"id_token":{{"sub":{{"value":"{someone}"}}}}}}"#);
    let claims = ClaimsRequest::parse(&raw).unwrap();
    assert_eq!(
        other_account(None, Some(&claims), me),
        Some(OtherAccount::ClaimsSub)
    );
    let mine =
        ClaimsRequest::parse(&format!(r#"{{"id_token":{{"sub":{{"value":"{me}"}}}}}}"#)).unwrap();
    assert_eq!(other_account(None, Some(&mine), me), None);
    // The hint is looked at first.
    assert_eq!(
        other_account(Some(&someone), Some(&claims), me),
        Some(OtherAccount::Hint)
    );
}
