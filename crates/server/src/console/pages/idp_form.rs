//! The identity provider form of [`super::identity_providers`]: the fields as typed, what they
//! show for a stored registration, and their translation into the admin operations' input
//! (a new registration, or only the fields that changed).

use serde::Deserialize;
use tessera_domain::Realm;
use tessera_domain::identity_provider::{
    IdentityProvider, IdentityProviderChanges, MatchAttribute,
};
use tessera_oauth_types::FieldError;

use super::actions::csrf_field;
use crate::admin_ops::identity_providers::NewIdentityProvider;

/// The form's fields as typed (also what is shown again after an error).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IdpForm {
    /// The session's CSRF token.
    pub csrf: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Issuer.
    #[serde(default)]
    pub issuer: String,
    /// JWKS URI.
    #[serde(default)]
    pub jwks_uri: String,
    /// Inline JWK Set, JSON.
    #[serde(default)]
    pub jwks: String,
    /// Audiences, one a line.
    #[serde(default)]
    pub audiences: String,
    /// `users` or `customers`.
    #[serde(default)]
    pub realm: String,
    /// Claim matched.
    #[serde(default)]
    pub match_claim: String,
    /// `email` or `username`.
    #[serde(default)]
    pub match_attribute: String,
    /// `on` when ticked.
    pub require_email_verified: Option<String>,
    /// `on` when ticked.
    pub enabled: Option<String>,
    /// The registration's version when the edit form was opened.
    #[serde(default)]
    pub version: String,
}

csrf_field!(IdpForm);

impl Default for IdpForm {
    fn default() -> Self {
        Self {
            csrf: None,
            name: String::new(),
            issuer: String::new(),
            jwks_uri: String::new(),
            jwks: String::new(),
            audiences: String::new(),
            realm: "users".into(),
            match_claim: "email".into(),
            match_attribute: "email".into(),
            require_email_verified: Some("on".into()),
            enabled: Some("on".into()),
            version: String::new(),
        }
    }
}

/// A registration's version, to tell a stale form.
#[must_use]
pub(crate) fn version(idp: &IdentityProvider) -> String {
    idp.updated_at.unix_timestamp_nanos().to_string()
}

fn on(b: bool) -> Option<String> {
    b.then(|| "on".to_owned())
}

impl IdpForm {
    /// The form showing a stored registration.
    #[must_use]
    pub(crate) fn of(idp: &IdentityProvider) -> Self {
        Self {
            csrf: None,
            name: idp.name.clone(),
            issuer: idp.issuer.clone(),
            jwks_uri: idp.jwks_uri.clone().unwrap_or_default(),
            jwks: idp
                .jwks
                .as_ref()
                .and_then(|j| serde_json::to_string_pretty(j).ok())
                .unwrap_or_default(),
            audiences: idp.audiences.join("\n"),
            realm: realm_name(idp.realm).into(),
            match_claim: idp.match_claim.clone(),
            match_attribute: idp.match_attribute.as_str().into(),
            require_email_verified: on(idp.require_email_verified),
            enabled: on(idp.enabled),
            version: version(idp),
        }
    }

    /// Whether `email_verified` is required.
    #[must_use]
    pub(crate) const fn verified(&self) -> bool {
        self.require_email_verified.is_some()
    }

    /// Whether Enabled is ticked.
    #[must_use]
    pub(crate) const fn on(&self) -> bool {
        self.enabled.is_some()
    }
}

/// `users` or `customers`.
#[must_use]
pub(crate) const fn realm_name(r: Realm) -> &'static str {
    match r {
        Realm::Users => "users",
        Realm::Customers => "customers",
    }
}

/// The fields read from the form that the operations take typed.
struct Parsed {
    jwks_uri: Option<String>,
    jwks: Option<serde_json::Value>,
    audiences: Vec<String>,
    realm: Realm,
    match_attribute: MatchAttribute,
}

/// What cannot even be read (JSON that does not parse, a realm not offered) is reported per
/// field like the operations' own rules.
fn parse(f: &IdpForm) -> Result<Parsed, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut bad = |field: &str, message: String| {
        errors.push(FieldError {
            field: field.to_owned(),
            message,
        });
    };
    let jwks = match f.jwks.trim() {
        "" => None,
        text => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => Some(v),
            Err(e) => {
                bad("jwks", format!("this is not JSON ({e})"));
                None
            }
        },
    };
    let realm = match f.realm.as_str() {
        "users" => Realm::Users,
        "customers" => Realm::Customers,
        _ => {
            bad("realm", "choose Users or Customers".into());
            Realm::Users
        }
    };
    let match_attribute = MatchAttribute::parse(&f.match_attribute).unwrap_or_else(|| {
        bad("match_attribute", "choose Email or Username".into());
        MatchAttribute::Email
    });
    let audiences = f
        .audiences
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    let jwks_uri = Some(f.jwks_uri.trim().to_owned()).filter(|u| !u.is_empty());
    if errors.is_empty() {
        Ok(Parsed {
            jwks_uri,
            jwks,
            audiences,
            realm,
            match_attribute,
        })
    } else {
        Err(errors)
    }
}

/// The admin operation's input for a new registration.
///
/// # Errors
/// The fields that cannot be read.
pub(crate) fn new_provider(f: &IdpForm) -> Result<NewIdentityProvider, Vec<FieldError>> {
    let p = parse(f)?;
    Ok(NewIdentityProvider {
        name: f.name.trim().to_owned(),
        issuer: f.issuer.trim().to_owned(),
        jwks_uri: p.jwks_uri,
        jwks: p.jwks,
        audiences: p.audiences,
        realm: p.realm,
        match_claim: f.match_claim.trim().to_owned(),
        match_attribute: p.match_attribute,
        require_email_verified: f.verified(),
        enabled: f.on(),
    })
}

/// Only what differs from `old`, so an unchanged field is not sent.
///
/// # Errors
/// The fields that cannot be read.
pub(crate) fn changes(
    old: &IdentityProvider,
    f: &IdpForm,
) -> Result<IdentityProviderChanges, Vec<FieldError>> {
    let p = parse(f)?;
    let text = |old: &str, new: &str| {
        let new = new.trim();
        (old != new).then(|| new.to_owned())
    };
    Ok(IdentityProviderChanges {
        name: text(&old.name, &f.name),
        issuer: text(&old.issuer, &f.issuer),
        jwks_uri: (old.jwks_uri != p.jwks_uri).then_some(p.jwks_uri),
        jwks: (old.jwks != p.jwks).then_some(p.jwks),
        audiences: (old.audiences != p.audiences).then_some(p.audiences),
        realm: (old.realm != p.realm).then_some(p.realm),
        match_claim: text(&old.match_claim, &f.match_claim),
        match_attribute: (old.match_attribute != p.match_attribute).then_some(p.match_attribute),
        require_email_verified: (old.require_email_verified != f.verified())
            .then_some(f.verified()),
        enabled: (old.enabled != f.on()).then_some(f.on()),
    })
}

/// The form's label of an admin API field.
#[must_use]
pub(crate) fn label(field: &str) -> &'static str {
    match field {
        "name" => "Name",
        "issuer" => "Issuer",
        "jwks_uri" => "JWKS URI",
        "jwks" => "Inline JWK Set",
        "audiences" => "Audiences",
        "realm" => "Accounts",
        "match_claim" => "Match claim",
        "match_attribute" => "Matched against",
        "require_email_verified" => "Require email_verified",
        _ => "Form",
    }
}
