//! Signing keys, per realm: each key's kid, algorithm, state, creation and rotation times;
//! **Rotate** a realm's keys, and **Withdraw** a retired key after a confirmation page that says
//! what withdrawing does to the tokens it signed. Both through the admin operations of the admin
//! API's `signing-keys`.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::signing_key::{KeyState, SigningKey};

use super::actions::{Checked, CsrfForm, csrf_field};
use super::apis::{failed, segment};
use super::secrets::when;
use super::{Layout, Link, page};
use crate::admin_api::error::ApiError;
use crate::console::ops;
use crate::console::session::ConsoleUser;
use crate::state::AppState;

/// One key's row.
#[derive(Debug, Clone)]
pub(crate) struct KeyRow {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: &'static str,
    /// State: `next`, `active` or `retired`.
    pub state: &'static str,
    /// Created.
    pub created: String,
    /// Retired by a rotation, or "—".
    pub rotated: String,
    /// Its withdrawal page, for retired keys only.
    pub withdraw_href: Option<String>,
}

/// A realm's keys.
#[derive(Debug, Clone)]
pub(crate) struct RealmKeys {
    /// `users` or `customers` (the Rotate form's value).
    pub realm: &'static str,
    /// Its heading: the realm and its issuer segment.
    pub label: String,
    /// Element id of the heading.
    pub id: &'static str,
    /// Its keys: active, next, then retired, newest first within each.
    pub keys: Vec<KeyRow>,
}

#[derive(Template)]
#[template(path = "console/signing_keys.html")]
pub(super) struct Keys {
    pub(super) l: Layout,
    pub(super) realms: Vec<RealmKeys>,
    pub(super) notice: Option<String>,
}

fn realm_label(p: &str, r: Realm) -> String {
    match r {
        Realm::Users => format!("Users realm ({p}-{})", r.suffix()),
        Realm::Customers => format!("Customers realm ({p}-{})", r.suffix()),
    }
}

/// The keys by realm, in the order an administrator reads them.
#[must_use]
pub(crate) fn realms(partition: &str, keys: &[SigningKey]) -> Vec<RealmKeys> {
    let rank = |s: KeyState| match s {
        KeyState::Active => 0,
        KeyState::Next => 1,
        KeyState::Retired => 2,
    };
    Realm::ALL
        .into_iter()
        .map(|realm| {
            let mut mine: Vec<&SigningKey> = keys.iter().filter(|k| k.realm == realm).collect();
            mine.sort_by(|a, b| {
                rank(a.state)
                    .cmp(&rank(b.state))
                    .then(b.created_at.cmp(&a.created_at))
            });
            RealmKeys {
                realm: realm.as_str(),
                label: realm_label(partition, realm),
                id: match realm {
                    Realm::Users => "realm-users",
                    Realm::Customers => "realm-customers",
                },
                keys: mine
                    .into_iter()
                    .map(|k| KeyRow {
                        kid: k.kid.clone(),
                        alg: k.alg.as_str(),
                        state: k.state.as_str(),
                        created: when(k.created_at),
                        rotated: k.retired_at.map_or_else(|| "—".to_owned(), when),
                        withdraw_href: (k.state == KeyState::Retired).then(|| {
                            format!(
                                "/admin/{partition}/signing-keys/{}/withdraw",
                                segment(&k.kid)
                            )
                        }),
                    })
                    .collect(),
            }
        })
        .collect()
}

fn layout(who: &ConsoleUser, last: Option<&str>) -> Layout {
    let mut l = super::layout(who, last.unwrap_or("Signing Keys")).path(1, Some("Signing Keys"));
    if let Some(last) = last {
        if let Some(keys) = l.crumbs.last_mut() {
            keys.href = Some(format!("/admin/{}/signing-keys", who.partition));
        }
        l.crumbs.push(crate::console::view::Crumb {
            label: last.to_owned(),
            href: None,
        });
    }
    l
}

fn to_keys(who: &ConsoleUser) -> Link {
    Link {
        label: "Back to the signing keys".into(),
        href: format!("/admin/{}/signing-keys", who.partition),
    }
}

fn render(who: &ConsoleUser, keys: &[SigningKey], notice: Option<String>) -> Response {
    page(
        StatusCode::OK,
        &Keys {
            l: layout(who, None),
            realms: realms(who.partition.as_str(), keys),
            notice,
        },
    )
}

/// `GET /admin/{partition}/signing-keys`.
pub(crate) async fn list(State(state): State<AppState>, who: ConsoleUser) -> Response {
    match ops::keys::all(&state, &who).await {
        Ok(keys) => render(&who, &keys, None),
        Err(e) => failed(&who, e, to_keys(&who)),
    }
}

/// The Rotate form.
#[derive(Debug, Deserialize)]
pub(crate) struct RotateForm {
    csrf: Option<String>,
    realm: Option<String>,
}

/// `POST /admin/{partition}/signing-keys/rotate`: rotates one realm's keys.
pub(crate) async fn rotate(
    State(state): State<AppState>,
    who: ConsoleUser,
    Checked(f): Checked<RotateForm>,
) -> Response {
    let Some(realm) = f.realm.as_deref().and_then(Realm::parse) else {
        return failed(
            &who,
            ApiError::BadRequest("Choose the realm whose keys to rotate.".into()),
            to_keys(&who),
        );
    };
    let before = match ops::keys::all(&state, &who).await {
        Ok(k) => k,
        Err(e) => return failed(&who, e, to_keys(&who)),
    };
    match ops::keys::rotate(&state, &who, realm).await {
        Ok(keys) => {
            let fresh: Vec<&str> = keys
                .iter()
                .filter(|k| k.realm == realm && !before.iter().any(|b| b.kid == k.kid))
                .map(|k| k.kid.as_str())
                .collect();
            let notice = format!(
                "Rotated the keys of the {}: each next key now signs, the keys that signed until now are retired (still published, so the tokens they signed keep verifying until they expire), and a new next key was made ({}).",
                realm_label(who.partition.as_str(), realm),
                fresh.join(", ")
            );
            render(&who, &keys, Some(notice))
        }
        Err(e) => failed(&who, e, to_keys(&who)),
    }
}

#[derive(Template)]
#[template(path = "console/withdraw_key.html")]
pub(super) struct Confirm {
    pub(super) l: Layout,
    pub(super) key: KeyRow,
    pub(super) realm: String,
    pub(super) action: String,
}

/// `GET /admin/{partition}/signing-keys/{kid}/withdraw`: what withdrawing does, and the button.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, kid)): Path<(String, String)>,
) -> Response {
    let keys = match ops::keys::all(&state, &who).await {
        Ok(k) => k,
        Err(e) => return failed(&who, e, to_keys(&who)),
    };
    let p = who.partition.to_string();
    let Some(key) = keys.iter().find(|k| k.kid == kid) else {
        return failed(&who, ApiError::NotFound("signing key"), to_keys(&who));
    };
    if key.state != KeyState::Retired {
        return failed(
            &who,
            ApiError::Conflict(format!(
                "key {} is {}: only a retired key can be withdrawn. Rotate the realm's keys first, then withdraw it.",
                key.kid,
                key.state.as_str()
            )),
            to_keys(&who),
        );
    }
    let row = realms(&p, std::slice::from_ref(key))
        .into_iter()
        .flat_map(|r| r.keys)
        .next();
    let Some(row) = row else {
        return failed(&who, ApiError::NotFound("signing key"), to_keys(&who));
    };
    page(
        StatusCode::OK,
        &Confirm {
            l: layout(&who, Some("Withdraw key")),
            action: format!("/admin/{p}/signing-keys/{}/withdraw", segment(&key.kid)),
            realm: realm_label(&p, key.realm),
            key: row,
        },
    )
}

csrf_field!(RotateForm);

/// `POST /admin/{partition}/signing-keys/{kid}/withdraw`.
pub(crate) async fn withdraw(
    State(state): State<AppState>,
    who: ConsoleUser,
    Path((_, kid)): Path<(String, String)>,
    Checked(_): Checked<CsrfForm>,
) -> Response {
    match ops::keys::withdraw(&state, &who, &kid).await {
        Ok(keys) => render(
            &who,
            &keys,
            Some(format!(
                "Withdrew key {kid}: it is no longer published, and tokens it signed no longer verify."
            )),
        ),
        Err(e) => failed(&who, e, to_keys(&who)),
    }
}
