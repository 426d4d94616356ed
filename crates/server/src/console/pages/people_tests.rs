//! The Users, Customers, Departments and Identity providers templates rendered with sample
//! data full of markup: it must come out as text, and every form carries the CSRF field.

use askama::Template;
use tessera_domain::identity_provider::{IdentityProvider, MatchAttribute};
use tessera_domain::{PartitionId, Realm};

use super::account_kinds::{AccountForm, AccountRow};
use super::accounts::{ConfirmDelete, FormPage, Kind, List};
use super::departments::{List as Departments, RenamePage, Row as DepartmentRow};
use super::fields::Messages;
use super::identity_providers::{
    ConfirmDelete as IdpDelete, FormPage as IdpPage, List as IdpList, Row as IdpRow,
};
use super::idp_form::IdpForm;
use super::tests::{ESCAPED, EVIL, assert_safe, layout};
use crate::jwt::external::{KeyCheck, KeyOrigin, KeySummary};

/// Every POST form on the page (the layout's Sign out included) carries the session's CSRF
/// token, and there is at least one besides Sign out.
fn csrf_field(html: &str) -> bool {
    let forms = html.matches("method=\"post\"").count();
    let tokens = html
        .matches(&format!("name=\"csrf\" value=\"{ESCAPED}\""))
        .count();
    forms > 1 && forms == tokens
}

fn kind(agent: bool) -> Kind {
    Kind {
        base: "/admin/acme/users".into(),
        title: if agent { "Users" } else { "Customers" },
        noun: if agent { "user" } else { "customer" },
        realm: format!("acme-U{EVIL}"),
        agent,
    }
}

fn row() -> AccountRow {
    AccountRow {
        id: "00000000-0000-0000-0000-00000000002a".into(),
        username: EVIL.into(),
        email: EVIL.into(),
        display_name: EVIL.into(),
        department: EVIL.into(),
        partition_admin: true,
        enabled: false,
        version: EVIL.into(),
    }
}

#[test]
fn account_list_escapes_and_names_its_columns() {
    for agent in [true, false] {
        let html = List {
            l: layout(),
            k: kind(agent),
            q: EVIL.into(),
            q_url: "x".into(),
            rows: vec![row()],
            total: 1,
            page: 1,
            pages: 2,
            notice: Some("The account was deleted."),
        }
        .render()
        .unwrap();
        assert_safe(&html);
        assert!(html.contains(">Add</a>"), "{html}");
        assert_eq!(html.contains(">Username</th>"), agent, "{html}");
        assert_eq!(html.contains(">Department</th>"), agent, "{html}");
        assert!(html.contains("Partition Administrator") == agent, "{html}");
        assert!(html.contains("rel=\"next\""), "{html}");
    }
}

#[test]
fn account_form_escapes_and_hides_self_lockout() {
    let a = row();
    for (account, me) in [
        (None, false),
        (Some(a.clone()), false),
        (Some(a.clone()), true),
    ] {
        let html = FormPage {
            l: layout(),
            k: kind(true),
            f: AccountForm::of(&a),
            account: account.clone(),
            departments: vec![EVIL.into(), "Service".into()],
            errors: Messages::one("username", EVIL),
            summary: vec![EVIL.into()],
            notice: Some("Your changes were saved."),
            me,
        }
        .render()
        .unwrap();
        assert_safe(&html);
        assert!(csrf_field(&html), "{html}");
        assert!(html.contains("id=\"username-error\""), "{html}");
        assert!(html.contains("<label for=\"password\">"), "{html}");
        assert!(
            html.contains("<input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"new-password\" aria-describedby"),
            "the password field has no value: {html}"
        );
        let edit = account.is_some();
        assert_eq!(html.contains("Sign out everywhere"), edit, "{html}");
        assert_eq!(
            html.contains(">Disable</button>") || html.contains(">Enable</button>"),
            edit && !me,
            "{html}"
        );
        assert_eq!(html.contains("/delete\">Delete</a>"), edit && !me, "{html}");
        assert_eq!(html.contains("This is your own account"), me, "{html}");
    }
    // Customers have no username, department or role.
    let html = FormPage {
        l: layout(),
        k: kind(false),
        f: AccountForm::default(),
        account: None,
        departments: Vec::new(),
        errors: Messages::default(),
        summary: Vec::new(),
        notice: None,
        me: false,
    }
    .render()
    .unwrap();
    assert!(!html.contains("id=\"username\""), "{html}");
    assert!(!html.contains("id=\"partition_admin\""), "{html}");
    assert!(html.contains("Initial password"), "{html}");
}

#[test]
fn account_delete_confirmation_escapes_and_refuses_oneself() {
    for me in [false, true] {
        let html = ConfirmDelete {
            l: layout(),
            k: kind(true),
            a: row(),
            me,
        }
        .render()
        .unwrap();
        assert_safe(&html);
        assert_eq!(csrf_field(&html), !me, "{html}");
        assert_eq!(
            html.contains(
                "action=\"/admin/acme/users/00000000-0000-0000-0000-00000000002a/delete\""
            ),
            !me,
            "{html}"
        );
        assert_eq!(html.contains("Delete user</button>"), !me, "{html}");
    }
}

#[test]
fn departments_escape_and_carry_csrf() {
    let html = Departments {
        l: layout(),
        rows: vec![DepartmentRow {
            name: EVIL.into(),
            name_url: "%3Cscript%3E".into(),
            created: EVIL.into(),
            users: 3,
        }],
        name: EVIL.into(),
        errors: Messages::one("name", EVIL),
        notice: Some(EVIL.into()),
        refusal: Some(EVIL.into()),
    }
    .render()
    .unwrap();
    assert_safe(&html);
    assert!(csrf_field(&html), "{html}");
    assert!(html.contains("id=\"name-error\""), "{html}");
    assert!(
        html.contains("action=\"/admin/acme/departments/%3Cscript%3E/delete\""),
        "{html}"
    );
    assert!(
        html.contains(&format!("aria-label=\"Delete {ESCAPED}\"")),
        "{html}"
    );
    assert!(
        html.contains(&format!("aria-label=\"Rename {ESCAPED}\"")),
        "{html}"
    );
    let rename = RenamePage {
        l: layout(),
        name: EVIL.into(),
        name_url: "%3Cscript%3E".into(),
        new_name: EVIL.into(),
        errors: Messages::one("name", EVIL),
    }
    .render()
    .unwrap();
    assert_safe(&rename);
    assert!(csrf_field(&rename), "{rename}");
    assert!(
        rename.contains("action=\"/admin/acme/departments/%3Cscript%3E/rename\""),
        "{rename}"
    );
    assert!(
        rename.contains("<label for=\"name\">New name</label>"),
        "{rename}"
    );
}

fn provider() -> IdentityProvider {
    IdentityProvider {
        id: uuid::Uuid::from_u128(7),
        partition: PartitionId::parse("acme").unwrap(),
        name: EVIL.into(),
        issuer: EVIL.into(),
        jwks_uri: Some(EVIL.into()),
        jwks: Some(serde_json::json!({ "keys": [{ "kid": EVIL }] })),
        audiences: vec![EVIL.into()],
        realm: Realm::Customers,
        match_claim: EVIL.into(),
        match_attribute: MatchAttribute::Username,
        require_email_verified: false,
        enabled: false,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        updated_at: time::OffsetDateTime::UNIX_EPOCH,
    }
}

#[test]
fn identity_provider_pages_escape_and_show_the_test_result() {
    let list = IdpList {
        l: layout(),
        rows: vec![IdpRow {
            id: "7".into(),
            name: EVIL.into(),
            issuer: EVIL.into(),
            realm: "customers",
            keys: EVIL.into(),
            enabled: true,
        }],
        max: 25,
        notice: None,
    }
    .render()
    .unwrap();
    assert_safe(&list);
    assert!(list.contains("up to 25"), "{list}");
    let found = KeyCheck {
        origin: KeyOrigin::JwksUri(EVIL.into()),
        keys: vec![
            KeySummary {
                kid: EVIL.into(),
                kty: "EC".into(),
                alg: Some("ES256".into()),
                crv: Some("P-256".into()),
                usable: true,
            },
            KeySummary {
                kid: "k2".into(),
                kty: "oct".into(),
                alg: None,
                crv: None,
                usable: false,
            },
        ],
        error: None,
    };
    let failed = KeyCheck {
        origin: KeyOrigin::JwksUri(EVIL.into()),
        keys: Vec::new(),
        error: Some(EVIL.into()),
    };
    let idp = provider();
    for (check, expect) in [
        (Some(found), "Found 2 keys, 1 usable for token exchange"),
        (Some(failed), "No keys: "),
        (None, "Test this provider"),
    ] {
        let html = IdpPage {
            l: layout(),
            base: "/admin/acme/identity-providers".into(),
            f: IdpForm::of(&idp),
            idp: Some(idp.clone()),
            errors: Messages::one("jwks_uri", EVIL),
            summary: vec![EVIL.into()],
            notice: None,
            check,
        }
        .render()
        .unwrap();
        assert_safe(&html);
        assert!(csrf_field(&html), "{html}");
        assert!(html.contains(expect), "{expect}: {html}");
        assert!(html.contains("id=\"jwks_uri-error\""), "{html}");
        assert!(
            html.contains("<option value=\"customers\" selected>"),
            "{html}"
        );
        assert!(
            !html.contains("id=\"enabled\" name=\"enabled\" value=\"on\" checked"),
            "{html}"
        );
    }
    let delete = IdpDelete {
        l: layout(),
        base: "/admin/acme/identity-providers".into(),
        idp: provider(),
    }
    .render()
    .unwrap();
    assert_safe(&delete);
    assert!(csrf_field(&delete), "{delete}");
}
