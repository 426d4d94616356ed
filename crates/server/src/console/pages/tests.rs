//! Every console template rendered with sample data full of markup: it must come out as text.

use std::collections::BTreeSet;

use askama::Template;
use tessera_domain::client::{ClientApplication, Platform};
use tessera_domain::permission::{Hub, Permission, PermissionKind};
use tessera_domain::{PartitionId, client::CONSOLE_CLIENT_ID};
use tessera_oauth_types::FieldError;

use super::clients::{Detail, FormValues, List, NewForm, Row};
use super::home::{Home, Item, Menu, Partitions};
use super::metadata::{Field, Metadata};
use super::permissions::{Changes, Permissions, groups};
use crate::console::view::{Layout, Link, Message};

pub(super) const EVIL: &str = "<script>alert(\"x\")</script>&'";
pub(super) const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";

pub(super) fn layout() -> Layout {
    Layout {
        title: EVIL.into(),
        partition: "acme".into(),
        user: Some(EVIL.into()),
        csrf: EVIL.into(),
        crumbs: Vec::new(),
        refresh: Some(EVIL.into()),
    }
    .path(3, Some(EVIL))
}

pub(super) fn assert_safe(html: &str) {
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains(ESCAPED), "{html}");
    assert!(html.starts_with("<!doctype html>"), "{html}");
    assert!(
        html.contains("<script src=\"/static/console.js?v="),
        "the console's script, from /static/ only: {html}"
    );
    assert!(!html.contains("style=\""), "no inline style: {html}");
}

fn sample_client(platform: Platform) -> ClientApplication {
    let now = time::OffsetDateTime::UNIX_EPOCH;
    let mut c = ClientApplication::console(
        PartitionId::parse("acme").unwrap(),
        format!("https://app.example/cb?{EVIL}"),
        format!("https://app.example/?{EVIL}"),
        now,
    );
    c.client_id = uuid::Uuid::from_u128(42);
    c.name = EVIL.into();
    c.platform = platform;
    c.token_exchange_enabled = true;
    c.permissions = vec![EVIL.into()];
    c
}

#[test]
fn message_and_layout_escape_everything() {
    let html = Message {
        l: layout(),
        heading: EVIL,
        text: EVIL,
        alert: true,
        link: Some(Link {
            label: EVIL.into(),
            href: EVIL.into(),
        }),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("role=\"alert\""));
    assert!(html.contains("action=\"/admin/acme/sign-out\""), "{html}");
    assert!(
        html.contains(&format!("name=\"csrf\" value=\"{ESCAPED}\"")),
        "the sign-out form carries the CSRF token: {html}"
    );
    assert!(html.contains("aria-current=\"page\""));
}

#[test]
fn home_partitions_and_menus_escape_everything() {
    let partitions = Partitions {
        l: layout(),
        partitions: vec![EVIL.into()],
    }
    .render()
    .unwrap();
    assert_safe(&partitions);
    let home = Home {
        l: layout(),
        departments: vec![EVIL.into(), "Service".into()],
        chosen: Some(EVIL.into()),
    }
    .render()
    .unwrap();
    assert_safe(&home);
    assert!(home.contains("<label for=\"department\">Department</label>"));
    assert!(home.contains(">Partition</option>"));
    let unchosen = Home {
        l: layout(),
        departments: vec![],
        chosen: None,
    }
    .render()
    .unwrap();
    assert!(
        unchosen.contains("href=\"/admin/acme/partition\">Partition</a>"),
        "{unchosen}"
    );
    let menu = Menu {
        l: layout(),
        items: vec![Item {
            label: "Integration",
            href: format!("/x?{EVIL}"),
            text: "t",
        }],
    }
    .render()
    .unwrap();
    assert_safe(&menu);
}

#[test]
fn the_list_escapes_names_and_the_search() {
    let html = List {
        l: layout(),
        q: EVIL.into(),
        q_url: form_urlencoded::byte_serialize(EVIL.as_bytes()).collect(),
        rows: vec![Row {
            id: CONSOLE_CLIENT_ID.to_string(),
            name: EVIL.into(),
            platform: "Web Application",
            enabled: true,
            builtin: true,
        }],
        total: 60,
        page: 2,
        pages: 3,
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(
        html.contains("<span aria-hidden=\"true\">+ </span>Add</a>"),
        "the Add link, named Add: {html}"
    );
    assert!(html.contains("rel=\"prev\"") && html.contains("rel=\"next\""));
    assert!(html.contains("Page 2 of 3"));
}

#[test]
fn the_form_has_the_contracts_labels_and_shows_field_messages() {
    let f = FormValues {
        name: EVIL.into(),
        platform: "spa".into(),
        redirect_urls: EVIL.into(),
        post_logout_redirect_urls: EVIL.into(),
        obo: true,
        token_exchange: true,
        ttl_minutes: EVIL.into(),
    };
    let fields = vec![
        FieldError {
            field: "name".into(),
            message: EVIL.into(),
        },
        FieldError {
            field: "redirect_urls[0]".into(),
            message: "must be https".into(),
        },
    ];
    let html = NewForm::new(layout(), f, fields).render().unwrap();
    assert_safe(&html);
    for (id, label) in [
        ("name", "Name"),
        ("resource_type", "Resource Type"),
        ("platform", "Platform"),
        ("redirect_urls", "Redirect URL(s)"),
        ("post_logout_redirect_urls", "Post Logout Redirect URL(s)"),
        ("obo_enabled", "Client On-Behalf-Of (OBO) Flow"),
        ("token_exchange_enabled", "Token Exchange Grant Type"),
        ("access_token_ttl", "Access Token Expiry Time"),
    ] {
        assert!(
            html.contains(&format!("<label for=\"{id}\""))
                && html.contains(&format!(">{label}</label>")),
            "{label}: {html}"
        );
        assert!(html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(html.contains(">Global</option>"));
    assert!(html.contains(">Web Application</option>"));
    assert!(html.contains("<option value=\"spa\" selected>Single Page Application (SPA)</option>"));
    assert!(html.contains(">Save</button>"));
    assert!(
        html.contains(&format!("id=\"name-error\">{ESCAPED}</p>")),
        "{html}"
    );
    assert!(html.contains("id=\"redirect_urls-error\">must be https</p>"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("name=\"csrf\""),
        "the form carries the CSRF token"
    );
    // The expiry field follows the token exchange checkbox as a sibling: the stylesheet hides it
    // while the box is not ticked, without JavaScript.
    let tick = html.find("id=\"token_exchange_enabled\"").unwrap();
    let ttl = html.find("class=\"ttl-field\"").unwrap();
    assert!(tick < ttl);
    assert!(
        crate::pages::assets::STYLESHEET
            .body
            .contains("#token_exchange_enabled:not(:checked) ~ .ttl-field { display: none; }")
    );
    let clean = NewForm::new(layout(), FormValues::default(), vec![])
        .render()
        .unwrap();
    assert!(!clean.contains("aria-invalid") && !clean.contains("form-errors"));
}

#[test]
fn the_detail_page_shows_the_client_id_with_copy_and_the_tabs() {
    for platform in [Platform::Web, Platform::Spa] {
        let html = Detail {
            l: layout(),
            c: sample_client(platform),
            created: true,
        }
        .render()
        .unwrap();
        assert_safe(&html);
        assert!(html.contains("<label for=\"client-id\">Client ID</label>"));
        assert!(
            html.contains("value=\"00000000-0000-0000-0000-00000000002a\" readonly"),
            "{html}"
        );
        assert!(html.contains("data-copy=\"client-id\">Copy</button>"));
        assert!(html.contains(">Permissions</a>") && html.contains(">Metadata</a>"));
        assert_eq!(
            html.contains(">Secrets</a>"),
            platform == Platform::Web,
            "a single-page application has no secrets"
        );
    }
}

#[test]
fn metadata_offers_each_value_with_a_copy_button() {
    let html = Metadata {
        l: layout(),
        name: EVIL.into(),
        client_id: "42".into(),
        fields: vec![Field {
            id: "authorization-url",
            label: "Authorization URL",
            value: EVIL.into(),
        }],
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("<label for=\"authorization-url\">Authorization URL</label>"));
    assert!(html.contains("data-copy=\"authorization-url\""));
    assert!(html.contains(&format!("value=\"{ESCAPED}\" readonly")));
}

fn permission(name: &str, hub: Hub, kind: PermissionKind) -> Permission {
    Permission {
        name: name.into(),
        hub,
        kind,
        description: EVIL.into(),
        anonymous: false,
    }
}

#[test]
fn permissions_are_grouped_by_hub_then_kind_and_escaped() {
    let catalog = vec![
        permission(
            "app.core.usermgr.read",
            Hub::Core,
            PermissionKind::Application,
        ),
        permission("core.usermgr.read", Hub::Core, PermissionKind::Delegated),
        permission("core.usermgr.obo", Hub::Core, PermissionKind::DelegatedObo),
        permission(EVIL, Hub::Knowledge, PermissionKind::Delegated),
    ];
    let assigned: BTreeSet<String> = ["core.usermgr.read".to_owned()].into();
    let web = groups(&catalog, &assigned, false);
    assert_eq!(
        web.iter().map(|g| g.hub).collect::<Vec<_>>(),
        ["Core", "Knowledge"],
        "hubs in the contract's order, empty ones left out"
    );
    assert_eq!(
        web[0].kinds.iter().map(|k| k.label).collect::<Vec<_>>(),
        ["Interactive", "On-Behalf-Of", "Application Permissions"]
    );
    let spa = groups(&catalog, &assigned, true);
    assert!(
        spa.iter()
            .all(|g| g.kinds.iter().all(|k| k.label == "Interactive")),
        "a single-page application sees only what it can be given"
    );
    let html = Permissions {
        l: layout(),
        name: EVIL.into(),
        client_id: "42".into(),
        spa: false,
        groups: web,
        saved: Some(Changes {
            added: vec![EVIL.into()],
            removed: vec!["core.usermgr.obo".into()],
        }),
        error: Some(EVIL.into()),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("<h2 id=\"hub-core\">Core</h2>"));
    assert!(html.contains("<legend>Interactive</legend>"));
    assert!(html.contains("<h3>Delegated Permissions</h3>"));
    assert!(html.contains("<h3>Application Permissions</h3>"));
    assert!(
        html.contains("value=\"core.usermgr.read\" aria-describedby=\"perm-1-d\" checked>"),
        "the assigned permission is ticked: {html}"
    );
    assert!(html.contains("No longer assigned: <code>core.usermgr.obo</code>"));
    assert!(html.contains("name=\"csrf\""));
    assert!(html.contains("reaches a token only when"));
}
