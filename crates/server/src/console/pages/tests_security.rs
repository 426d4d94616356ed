//! The APIs, Security Details, OpenAPI import, signing keys and audit log templates rendered
//! with hostile text in API names, operation ids, scope names and audit fields: it must come out
//! as text. Also the audit log's form parsing.

use askama::Template;
use tessera_domain::PartitionId;
use tessera_domain::api::{Api, Operation, SecurityRequirement};
use tessera_domain::audit::{ActorKind, AuditEvent, Outcome};
use tessera_domain::permission::Hub;
use tessera_domain::signing_key::{KeyState, SigningAlg, SigningKey};
use tessera_domain::{Realm, page::Page};
use tessera_oauth_types::SecurityScheme;

use super::api_import::{ImportForm, ImportPage, Problem, report};
use super::apis::{Catalog, ClientChoice, Details, Done, Picker, Tab, hubs, scheme_view, segment};
use super::audit_log::{AuditQuery, FieldMessage, Log, filter, rows};
use super::signing_keys::{Confirm, Keys, realms};
use crate::admin_ops::assign::Assigned;
use crate::admin_ops::catalog::{ApiSummary, Imported};
use crate::config::Config;
use crate::console::view::Layout;

const EVIL: &str = "<script>alert(\"x\")</script>&'";
const ESCAPED: &str = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;";

fn layout() -> Layout {
    Layout {
        title: EVIL.into(),
        partition: "acme".into(),
        user: Some(EVIL.into()),
        csrf: EVIL.into(),
        crumbs: Vec::new(),
        refresh: None,
    }
    .path(2, Some(EVIL))
}

fn assert_safe(html: &str) {
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains(ESCAPED), "{html}");
    assert!(!html.contains("style=\""), "no inline style: {html}");
}

fn operation() -> Operation {
    Operation {
        operation_id: EVIL.into(),
        method: "GET".into(),
        path: format!("/portals/{EVIL}"),
        summary: EVIL.into(),
        security: vec![
            SecurityRequirement {
                scheme: SecurityScheme::OAuthUser,
                scopes: vec!["knowledge.portalmgr.read".into()],
            },
            SecurityRequirement {
                scheme: SecurityScheme::OAuthClient,
                scopes: vec![EVIL.into()],
            },
        ],
    }
}

fn api() -> Api {
    Api {
        id: "knowledge-portalmgr-v4".into(),
        name: EVIL.into(),
        hub: Hub::Knowledge,
        base_path: "/knowledge/portalmgr/v4".into(),
        audience: EVIL.into(),
        operations: vec![operation()],
    }
}

#[test]
fn the_catalog_lists_each_operation_by_hub_with_escaped_text() {
    let html = Catalog {
        l: layout(),
        hubs: hubs("acme", &[api()]),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains(">Knowledge</h2>"), "{html}");
    assert!(
        !html.contains(">Core</h2>"),
        "hubs without APIs are left out"
    );
    assert!(html.contains(">View Security Details</a>"), "{html}");
    assert!(
        html.contains(&format!(
            "href=\"/admin/acme/apis/knowledge-portalmgr-v4/operations/{}\"",
            segment(EVIL)
        )),
        "the operation id is one encoded path segment: {html}"
    );
    assert!(html.contains("GET /knowledge/portalmgr/v4/portals/&lt;script&gt;"));
    assert!(html.contains("oAuthUser, oAuthClient"));
}

#[test]
fn security_details_switch_schemes_and_show_urls_and_full_scopes() {
    let meta = crate::metadata::schemes(
        &Config {
            public_url: "https://id.example".into(),
            ..Config::default()
        },
        &PartitionId::parse("acme").unwrap(),
    );
    let op = operation();
    let chosen = scheme_view(
        &op,
        SecurityScheme::OAuthClient,
        &meta,
        "https://api.example/auth/",
    )
    .unwrap();
    assert_eq!(chosen.flow_type, "clientCredentials");
    assert_eq!(chosen.authorization_url, None);
    assert_eq!(
        chosen.scopes,
        vec![format!("https://api.example/auth/{EVIL}")]
    );
    let user = scheme_view(&op, SecurityScheme::OAuthUser, &meta, "p/").unwrap();
    assert_eq!(user.flow_type, "authorizationCode");
    assert!(
        user.authorization_url
            .as_deref()
            .is_some_and(|u| u.starts_with("https://id.example/") && u.ends_with("/authorize")),
        "{user:?}"
    );
    assert!(
        scheme_view(&op, SecurityScheme::OAuthCustomer, &meta, "p/").is_none(),
        "a scheme the operation does not accept has no details"
    );
    let html = Details {
        l: layout(),
        api_name: EVIL.into(),
        full_path: EVIL.into(),
        action: "/admin/acme/apis/a/operations/b/assign".into(),
        op: op.clone(),
        tabs: vec![
            Tab {
                label: "oAuthUser",
                href: "/x?scheme=oAuthUser".into(),
                current: false,
            },
            Tab {
                label: "oAuthClient",
                href: "/x?scheme=oAuthClient".into(),
                current: true,
            },
        ],
        chosen: Some(chosen),
        clients: vec![ClientChoice {
            id: "42".into(),
            name: EVIL.into(),
            platform: "Web Application",
            selected: true,
        }],
        picker: Picker {
            href: "/admin/acme/apis/a/operations/b".into(),
            q: EVIL.into(),
            page: 2,
            pages: 3,
            total: 60,
            prev_href: Some("/x?page=1".into()),
            next_href: Some("/x?page=3".into()),
        },
        done: Some(Done {
            client_name: EVIL.into(),
            permissions_href: "/admin/acme/client-applications/42/permissions".into(),
            assigned: Assigned {
                required: vec![EVIL.into()],
                added: vec![EVIL.into()],
                already_assigned: vec!["core.usermgr.read".into()],
                permissions: vec![EVIL.into(), "core.usermgr.read".into()],
            },
        }),
        error: Some(EVIL.into()),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(
        html.contains("<a href=\"/x?scheme=oAuthClient\" aria-current=\"page\">oAuthClient</a>"),
        "{html}"
    );
    assert!(html.contains("<a href=\"/x?scheme=oAuthUser\">oAuthUser</a>"));
    for row in [
        "Flow type",
        "Authorization URL",
        "Token URL",
        "Required scopes",
    ] {
        assert!(
            html.contains(&format!("<th scope=\"row\">{row}</th>")),
            "{row}"
        );
    }
    assert!(html.contains("<code>clientCredentials</code>"));
    assert!(html.contains(&format!("https://api.example/auth/{ESCAPED}")));
    assert!(html.contains(">Assign to a client application</h2>"));
    assert!(html.contains("<label for=\"assign-client\">Client Application</label>"));
    assert!(html.contains(&format!("name=\"csrf\" value=\"{ESCAPED}\"")));
    assert!(html.contains("<option value=\"42\" selected>"));
    assert!(html.contains("role=\"status\"") && html.contains("role=\"alert\""));
    assert!(html.contains("Already assigned: <code>core.usermgr.read</code>"));
    // The choice of application is searched and paged with a GET form and links (no script),
    // and an assignment keeps the search and page it was made from.
    assert!(html.contains(
        "<form method=\"get\" action=\"/admin/acme/apis/a/operations/b#assign-heading\""
    ));
    assert!(html.contains(&format!(
        "id=\"assign-q\" name=\"q\" type=\"search\" value=\"{ESCAPED}\""
    )));
    assert!(html.contains(&format!("name=\"q\" value=\"{ESCAPED}\"")));
    assert!(html.contains("name=\"page\" value=\"2\""));
    assert!(html.contains("<a href=\"/x?page=1\" rel=\"prev\">Previous</a>"));
    assert!(html.contains("<a href=\"/x?page=3\" rel=\"next\">Next</a>"));
    assert!(html.contains("Page 2 of 3 (60 applications matching"));
}

#[test]
fn the_import_form_keeps_the_document_and_lists_problems_escaped() {
    let html = ImportPage {
        l: layout(),
        form: ImportForm {
            document: EVIL.into(),
            api_id: EVIL.into(),
            hub: "knowledge".into(),
            base_path: EVIL.into(),
        },
        hubs: vec![("core", "Core"), ("knowledge", "Knowledge")],
        problems: vec![Problem {
            path: EVIL.into(),
            message: EVIL.into(),
        }],
        error: None,
        report: None,
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("<label for=\"document\">OpenAPI document</label>"));
    assert!(
        html.contains(&format!(
            "name=\"document\" rows=\"16\" spellcheck=\"false\" required>{ESCAPED}</textarea>"
        )),
        "{html}"
    );
    assert!(html.contains("<option value=\"knowledge\" selected>Knowledge</option>"));
    assert!(html.contains("the document has 1 problem."));
    let imported = Imported {
        apis: vec![ApiSummary::from(&api())],
        permissions: vec![EVIL.into()],
    };
    let done = ImportPage {
        l: layout(),
        form: ImportForm::default(),
        hubs: Vec::new(),
        problems: Vec::new(),
        error: None,
        report: Some(report("acme", imported)),
    }
    .render()
    .unwrap();
    assert_safe(&done);
    assert!(done.contains("Imported 1 API and 1 permission."), "{done}");
    assert!(done.contains("href=\"/admin/acme/apis#api-knowledge-portalmgr-v4\""));
    assert!(!done.contains("<textarea"), "the report replaces the form");
}

fn key(kid: &str, realm: Realm, state: KeyState, minute: i64) -> SigningKey {
    let t = time::OffsetDateTime::UNIX_EPOCH + time::Duration::minutes(minute);
    SigningKey {
        kid: kid.into(),
        partition: PartitionId::parse("acme").unwrap(),
        realm,
        alg: SigningAlg::ES256,
        state,
        public_jwk: serde_json::json!({}),
        private_key_encrypted: Vec::new(),
        created_at: t,
        retired_at: (state == KeyState::Retired).then_some(t + time::Duration::minutes(1)),
    }
}

#[test]
fn signing_keys_are_listed_per_realm_and_withdrawal_explains_itself() {
    let keys = vec![
        key("old", Realm::Users, KeyState::Retired, 1),
        key(EVIL, Realm::Users, KeyState::Active, 2),
        key("n", Realm::Users, KeyState::Next, 3),
        key("c", Realm::Customers, KeyState::Active, 2),
    ];
    let r = realms("acme", &keys);
    assert_eq!(r.len(), 2);
    assert_eq!(r[0].label, "Users realm (acme-U)");
    let order: Vec<&str> = r[0].keys.iter().map(|k| k.state).collect();
    assert_eq!(order, ["active", "next", "retired"]);
    assert!(r[0].keys[..2].iter().all(|k| k.withdraw_href.is_none()));
    assert_eq!(
        r[0].keys[2].withdraw_href.as_deref(),
        Some("/admin/acme/signing-keys/old/withdraw"),
        "only a retired key can be withdrawn"
    );
    let html = Keys {
        l: layout(),
        realms: r.clone(),
        notice: Some(EVIL.into()),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("name=\"realm\" value=\"users\""));
    assert!(html.contains(">Rotate</button>"));
    assert!(html.contains("aria-label=\"Withdraw key old\">Withdraw</a>"));
    let confirm = Confirm {
        l: layout(),
        key: r[0].keys[2].clone(),
        realm: EVIL.into(),
        action: "/admin/acme/signing-keys/old/withdraw".into(),
    }
    .render()
    .unwrap();
    assert_safe(&confirm);
    assert!(confirm.contains("every token it signed stops verifying"));
    assert!(confirm.contains(">Withdraw key</button>"));
    assert!(confirm.contains(&format!("name=\"csrf\" value=\"{ESCAPED}\"")));
}

#[test]
fn the_audit_log_escapes_every_field_and_keeps_the_filter() {
    let event = AuditEvent {
        id: uuid::Uuid::from_u128(1),
        partition: Some(PartitionId::parse("acme").unwrap()),
        actor_kind: ActorKind::User,
        actor_id: Some("me".into()),
        action: EVIL.into(),
        object_type: EVIL.into(),
        object_id: Some(EVIL.into()),
        at: time::OffsetDateTime::UNIX_EPOCH,
        source_ip: Some(EVIL.into()),
        outcome: Outcome::Failure,
        detail: Some(EVIL.into()),
    };
    let page = Page {
        items: vec![event],
        next_cursor: None,
    };
    let rows = rows(page.items, "me");
    assert!(rows[0].you);
    assert_eq!(rows[0].at, "1970-01-01 00:00:00 UTC");
    let q = AuditQuery {
        actor: EVIL.into(),
        object_id: EVIL.into(),
        from: EVIL.into(),
        ..AuditQuery::default()
    };
    let html = Log {
        l: layout(),
        q,
        actions: vec!["client_application.create"],
        object_types: vec!["client_application"],
        errors: vec![FieldMessage {
            field: "from",
            message: EVIL.into(),
        }],
        rows: rows.clone(),
        filtered: true,
        first_href: Some(format!("/admin/acme/audit-log?actor={EVIL}")),
        next_href: Some("/admin/acme/audit-log?cursor=abc".into()),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(html.contains("id=\"from-error\""), "{html}");
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        !html.contains("<table"),
        "a refused filter shows no rows rather than unfiltered ones"
    );
    let listed = Log {
        l: layout(),
        q: AuditQuery::default(),
        actions: vec![],
        object_types: vec![],
        errors: vec![],
        rows,
        filtered: false,
        first_href: Some("/admin/acme/audit-log".into()),
        next_href: Some("/admin/acme/audit-log?cursor=abc".into()),
    }
    .render()
    .unwrap();
    assert_safe(&listed);
    assert!(listed.contains("<code>me</code> (you)"));
    assert!(listed.contains("rel=\"next\">Older events</a>"));
    assert!(listed.contains(">Newest events</a>"));
    for label in [
        "Actor",
        "Action",
        "Object type",
        "Object ID",
        "From (UTC)",
        "To (UTC)",
    ] {
        assert!(listed.contains(&format!(">{label}</label>")), "{label}");
    }
}

#[test]
fn the_audit_filter_reads_times_and_refuses_bad_fields() {
    let f = filter(&AuditQuery {
        actor: " u1 ".into(),
        action: "client_application.create".into(),
        object_type: "client_application".into(),
        object_id: "42".into(),
        outcome: "success".into(),
        from: "2026-01-31T12:00".into(),
        to: "2026-02-01T00:00:00Z".into(),
        cursor: String::new(),
    })
    .unwrap();
    assert_eq!(f.actor_id.as_deref(), Some("u1"));
    assert_eq!(f.outcome, Some(Outcome::Success));
    assert_eq!(
        f.since.map(|t| t.unix_timestamp()),
        Some(1_769_860_800),
        "a datetime-local value is read as UTC"
    );
    assert_eq!(f.until.map(|t| t.unix_timestamp()), Some(1_769_904_000));
    assert!(!f.newest_first, "the order is the console op's to set");
    let empty = filter(&AuditQuery::default()).unwrap();
    assert_eq!(empty, tessera_domain::audit::AuditFilter::default());
    let bad = filter(&AuditQuery {
        outcome: "maybe".into(),
        from: "yesterday".into(),
        ..AuditQuery::default()
    })
    .unwrap_err();
    let fields: Vec<&str> = bad.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["outcome", "from"]);
    let backwards = filter(&AuditQuery {
        from: "2026-02-01T00:00".into(),
        to: "2026-01-01T00:00".into(),
        ..AuditQuery::default()
    })
    .unwrap_err();
    assert_eq!(backwards[0].field, "to");
}
