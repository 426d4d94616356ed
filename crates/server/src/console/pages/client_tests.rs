//! The client application lifecycle's templates (edit, enable/disable, delete, the list's
//! notice, Metadata's ready requests) rendered with markup in every value: it must come out as
//! text, and each page must carry what its contract names.

use askama::Template;
use tessera_domain::client::CONSOLE_CLIENT_ID;
use tessera_domain::client::Platform;
use tessera_oauth_types::FieldError;

use super::client_state::ConfirmDelete;
use super::clients::{Detail, EditOf, FormValues, List, NewForm};
use super::curl::requests;
use super::metadata::Metadata;
use super::tests::{ESCAPED, EVIL, assert_safe, layout, sample_client};

fn edit_form(platform: Platform, stale: bool, fields: Vec<FieldError>) -> String {
    let c = sample_client(platform);
    NewForm::with(
        layout(),
        FormValues::from(&c),
        fields,
        format!("Edit {}", c.name),
        "/admin/acme/client-applications/42/edit".into(),
        "/admin/acme/client-applications/42".into(),
        Some(EditOf {
            revision: EVIL.into(),
            platform,
            stale,
        }),
    )
    .render()
    .unwrap()
}

#[test]
fn the_edit_form_is_prefilled_with_the_platform_fixed_and_the_revision() {
    let html = edit_form(Platform::Web, false, vec![]);
    assert_safe(&html);
    assert!(html.contains(&format!("<h1>Edit {ESCAPED}</h1>")), "{html}");
    assert!(html.contains("action=\"/admin/acme/client-applications/42/edit\""));
    assert!(
        html.contains(&format!("name=\"revision\" value=\"{ESCAPED}\"")),
        "{html}"
    );
    assert!(html.contains("name=\"csrf\""));
    assert!(html.contains(&format!(
        "id=\"name\" name=\"name\" type=\"text\" value=\"{ESCAPED}\""
    )));
    assert!(
        html.contains("<input id=\"platform\" type=\"text\" value=\"Web Application\" readonly"),
        "the platform is shown, not offered: {html}"
    );
    assert!(!html.contains("name=\"platform\""), "and not sent");
    assert!(html.contains(
        "id=\"token_exchange_enabled\" name=\"token_exchange_enabled\" value=\"on\" checked"
    ));
    assert!(html.contains("value=\"60\""), "3600 s shown as 60 minutes");
    assert!(html.contains(&format!("https://app.example/cb?{ESCAPED}</textarea>")));
    assert!(!html.contains("id=\"stale\""));
    assert!(html.contains("href=\"/admin/acme/client-applications/42\">Cancel</a>"));
}

#[test]
fn a_stale_edit_says_so_and_a_spa_has_no_web_switches() {
    let html = edit_form(
        Platform::Spa,
        true,
        vec![FieldError {
            field: "name".into(),
            message: EVIL.into(),
        }],
    );
    assert_safe(&html);
    assert!(html.contains("id=\"stale\""), "{html}");
    assert!(html.contains("Someone else changed this client application"));
    assert!(html.contains(&format!("id=\"name-error\">{ESCAPED}</p>")));
    assert!(html.contains("value=\"Single Page Application (SPA)\" readonly"));
    assert!(
        !html.contains("obo_enabled") && !html.contains("token_exchange_enabled"),
        "a single-page application is offered no Web-only switch: {html}"
    );
}

#[test]
fn the_detail_page_offers_edit_the_state_button_and_delete() {
    let mut c = sample_client(Platform::Web);
    let html = Detail {
        l: layout(),
        c: c.clone(),
        notice: Some("The changes were saved."),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("href=\"/admin/acme/client-applications/00000000-0000-0000-0000-00000000002a/edit\">Edit</a>"));
    assert!(html.contains(
        "action=\"/admin/acme/client-applications/00000000-0000-0000-0000-00000000002a/enabled\""
    ));
    assert!(html.contains("name=\"enabled\" value=\"false\"><button type=\"submit\" id=\"toggle\" class=\"secondary\">Disable</button>"));
    assert!(html.contains(&format!("name=\"csrf\" value=\"{ESCAPED}\"")));
    assert!(html.contains("/delete\">Delete</a>"));
    assert!(html.contains("<dd>Enabled"));
    assert!(html.contains("role=\"status\">The changes were saved.</p>"));

    c.enabled = false;
    let off = Detail {
        l: layout(),
        c: c.clone(),
        notice: None,
    }
    .render()
    .unwrap();
    assert!(off.contains("name=\"enabled\" value=\"true\"><button type=\"submit\" id=\"toggle\" class=\"secondary\">Enable</button>"));
    assert!(off.contains("<dd>Disabled"));

    c.client_id = CONSOLE_CLIENT_ID;
    let builtin = Detail {
        l: layout(),
        c,
        notice: None,
    }
    .render()
    .unwrap();
    assert!(
        !builtin.contains(">Edit</a>")
            && !builtin.contains("id=\"toggle\"")
            && !builtin.contains(">Delete</a>"),
        "the built-in console client offers no change"
    );
}

#[test]
fn the_delete_confirmation_says_what_goes_and_posts_with_csrf() {
    let html = ConfirmDelete {
        l: layout(),
        name: EVIL.into(),
        client_id: "42".into(),
        platform: "Web Application",
        secrets: 2,
        permissions: 3,
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains(&format!("<h1>Delete {ESCAPED}?</h1>")));
    assert!(html.contains("<dt>Secrets</dt><dd>2</dd>"));
    assert!(html.contains("<dt>Assigned permissions</dt><dd>3</dd>"));
    assert!(html.contains("method=\"post\" action=\"/admin/acme/client-applications/42/delete\""));
    assert!(html.contains(&format!("name=\"csrf\" value=\"{ESCAPED}\"")));
    assert!(html.contains(&format!(
        "id=\"delete\" class=\"danger\">Delete {ESCAPED}</button>"
    )));
    assert!(html.contains("href=\"/admin/acme/client-applications/42\">Cancel</a>"));
}

#[test]
fn the_list_names_what_was_deleted_as_text() {
    let html = List {
        l: layout(),
        q: String::new(),
        q_url: String::new(),
        rows: vec![],
        total: 0,
        page: 1,
        pages: 1,
        deleted: Some(EVIL.into()),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains(&format!(
        "role=\"status\">The client application “{ESCAPED}” was deleted"
    )));
}

#[test]
fn metadata_offers_a_ready_request_per_usable_flow() {
    let mut web = sample_client(Platform::Web);
    web.obo_enabled = true;
    web.token_exchange_enabled = true;
    let authz = "https://id.example/system/auth/acme-U/oauth2/authorize";
    let token = "https://id.example/system/auth/acme-U/oauth2/token";
    let curls = requests(&web, authz, token);
    let ids: Vec<&str> = curls.iter().map(|c| c.id).collect();
    assert_eq!(
        ids,
        [
            "curl-authorization-code",
            "curl-client-credentials",
            "curl-on-behalf-of",
            "curl-token-exchange"
        ]
    );
    for c in &curls {
        assert!(c.text.contains(&format!("'{token}'")), "{}", c.text);
        assert!(
            c.text
                .contains("-u '00000000-0000-0000-0000-00000000002a:'\"$CLIENT_SECRET\""),
            "{}",
            c.text
        );
        assert!(
            c.text.contains("CLIENT_SECRET='paste"),
            "the secret is a placeholder: {}",
            c.text
        );
    }
    let cc = &curls[1].text;
    assert!(
        cc.contains("-d grant_type=client_credentials -d scope=.default"),
        "{cc}"
    );
    let code = &curls[0].text;
    assert!(code.contains(&format!(
        "'{authz}''?response_type=code&client_id=00000000-0000-0000-0000-00000000002a"
    )));
    assert!(code.contains("code_challenge_method=S256"));
    // The hostile redirect URL is percent-encoded in the address and quoted for the shell.
    assert!(
        code.contains("redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3F%3Cscript%3E"),
        "{code}"
    );
    assert!(code.contains("--data-urlencode redirect_uri='https://app.example/cb?<script>alert(\"x\")</script>&'\\''"), "{code}");

    web.obo_enabled = false;
    web.token_exchange_enabled = false;
    assert_eq!(
        requests(&web, authz, token).len(),
        2,
        "switched off: no OBO, no token exchange"
    );

    let spa = sample_client(Platform::Spa);
    let spa_curls = requests(&spa, authz, token);
    assert_eq!(
        spa_curls.len(),
        1,
        "a single-page application: authorization code only"
    );
    assert!(
        spa_curls[0]
            .text
            .contains("-d client_id=00000000-0000-0000-0000-00000000002a")
    );
    assert!(
        !spa_curls[0].text.contains("CLIENT_SECRET"),
        "no secret for a public client"
    );

    let html = Metadata {
        l: layout(),
        name: EVIL.into(),
        client_id: "42".into(),
        fields: vec![],
        curls,
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("<h3 id=\"curl-client-credentials-title\">Client credentials</h3>"));
    assert!(html.contains(
        "data-copy=\"curl-client-credentials\" aria-label=\"Copy the Client credentials request\""
    ));
    assert!(
        html.contains("&lt;script&gt;"),
        "the request's text is escaped in the page"
    );
}
