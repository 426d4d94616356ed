//! The OpenID Connect `claims` request parameter (OIDC Core §5.5): a relying party asks for
//! individual claims in the ID token and at userinfo, beyond what its scopes release.
//!
//! The parameter is parsed here, as a pure value, so every rule is unit-tested: its shape is
//! checked (§5.5.1 — each claim maps to `null` or an object whose `essential` is a boolean and
//! whose `value` / `values` are a scalar / an array of scalars), and then only the claims
//! Tessera understands are kept (§5.5: members and claims "not understood MUST be ignored").
//! What is kept is stored with the grant, so the ID token of the code, every refreshed ID
//! token and userinfo all answer it.
//!
//! A claims request only ever *selects* among the account's own standard claims (the §5.1 set
//! Tessera stores, [`RELEASABLE`]): it names claims, never grants anything else — no
//! permission, no other account's data. Three claims are not released but acted on: `sub` with
//! a value names the only account that may sign in (§5.5.1), `acr` as essential with values
//! must be reachable (§5.5.1.1), and `auth_time` is always in Tessera's ID tokens anyway.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest `claims` parameter accepted, in bytes. A request naming every claim Tessera knows,
/// with values, is well under 2 KiB; the parameter travels in URLs and is stored with the grant.
pub const MAX_CLAIMS_LEN: usize = 4096;

/// The standard claims (OIDC Core §5.1) Tessera keeps for an account and so can release, in the
/// ID token or at userinfo, when asked for by name.
pub const RELEASABLE: &[&str] = &[
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "locale",
    "zoneinfo",
    "updated_at",
    "email",
    "email_verified",
    "phone_number",
    "phone_number_verified",
    "address",
];

/// Claims acted on rather than released: `sub` (§5.5.1), `acr` (§5.5.1.1) and `auth_time`.
const ACTED_ON: &[&str] = &["sub", "acr", "auth_time"];

/// Where a claim is asked for: the two members of the `claims` object (§5.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// `userinfo`: claims returned by the userinfo endpoint.
    Userinfo,
    /// `id_token`: claims returned in the ID token.
    IdToken,
}

impl Target {
    /// The member's name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Userinfo => "userinfo",
            Self::IdToken => "id_token",
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one claim is asked for (§5.5.1): `null` is the default (voluntary, any value).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRequest {
    /// Whether the relying party needs it for the End-User's task (§5.5.1 `essential`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub essential: bool,
    /// The one value asked for (§5.5.1 `value`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Acceptable values, most preferred first (§5.5.1 `values`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Value>>,
}

impl ClaimRequest {
    /// Whether `value` or `values` names `v` — true when neither is given (any value will do).
    #[must_use]
    pub fn accepts(&self, v: &str) -> bool {
        if self.value.is_none() && self.values.is_none() {
            return true;
        }
        let is = |x: &Value| x.as_str() == Some(v);
        self.value.as_ref().is_some_and(is) || self.values.iter().flatten().any(is)
    }

    /// Whether a specific value is asked for (`value` or `values`).
    #[must_use]
    pub fn names_values(&self) -> bool {
        self.value.is_some() || self.values.is_some()
    }
}

/// A parsed `claims` parameter, reduced to the claims Tessera understands. Stored with the
/// grant in this form (JSON).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimsRequest {
    /// Claims asked for in the ID token.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub id_token: BTreeMap<String, ClaimRequest>,
    /// Claims asked for at userinfo.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub userinfo: BTreeMap<String, ClaimRequest>,
}

/// Why a `claims` parameter is refused (`invalid_request`, OIDC Core §3.1.2.6).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClaimsRequestError {
    /// Over [`MAX_CLAIMS_LEN`].
    #[error("the claims parameter is longer than {MAX_CLAIMS_LEN} bytes")]
    TooLong,
    /// Not JSON at all.
    #[error("the claims parameter is not valid JSON ({0})")]
    NotJson(String),
    /// JSON, but not an object.
    #[error(
        "the claims parameter must be a JSON object with optional userinfo and id_token members"
    )]
    NotAnObject,
    /// `userinfo` or `id_token` is not an object.
    #[error("claims.{0} must be a JSON object mapping claim names to null or to an object")]
    MemberNotAnObject(Target),
    /// A claim maps to something other than `null` or an object.
    #[error(
        "claims.{target}.{claim} must be null or an object with essential, value or values (OIDC Core §5.5.1)"
    )]
    ClaimNotAnObject {
        /// The member.
        target: Target,
        /// The claim (shortened).
        claim: String,
    },
    /// `essential` is not a boolean.
    #[error("claims.{target}.{claim}.essential must be true or false")]
    EssentialNotBoolean {
        /// The member.
        target: Target,
        /// The claim (shortened).
        claim: String,
    },
    /// `value` is not a string, number or boolean.
    #[error("claims.{target}.{claim}.value must be a string, number or boolean")]
    ValueNotScalar {
        /// The member.
        target: Target,
        /// The claim (shortened).
        claim: String,
    },
    /// `values` is not a non-empty array of strings, numbers or booleans.
    #[error(
        "claims.{target}.{claim}.values must be a non-empty array of strings, numbers or booleans"
    )]
    ValuesNotScalars {
        /// The member.
        target: Target,
        /// The claim (shortened).
        claim: String,
    },
    /// `sub` or `acr` with a value that is not a string (OIDC Core §2: both are strings).
    #[error("claims.{target}.{claim} values must be strings")]
    ValueNotString {
        /// The member.
        target: Target,
        /// The claim.
        claim: String,
    },
}

/// A claim name as it may appear in an error description: at most 40 characters, each one
/// RFC 6749 §4.1.2.1 allows there (%x20-21 / %x23-5B / %x5D-7E), others shown as `?`.
fn shown(name: &str) -> String {
    name.chars()
        .take(40)
        .map(|c| match c {
            ' ' | '!' | '#'..='[' | ']'..='~' => c,
            _ => '?',
        })
        .collect()
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

impl ClaimsRequest {
    /// Parses the `claims` parameter.
    ///
    /// # Errors
    /// [`ClaimsRequestError`] naming the first thing wrong with it.
    pub fn parse(raw: &str) -> Result<Self, ClaimsRequestError> {
        if raw.len() > MAX_CLAIMS_LEN {
            return Err(ClaimsRequestError::TooLong);
        }
        let doc: Value = serde_json::from_str(raw).map_err(|e| {
            // The position only: serde's message can quote the input back.
            ClaimsRequestError::NotJson(format!("line {} column {}", e.line(), e.column()))
        })?;
        let Value::Object(doc) = doc else {
            return Err(ClaimsRequestError::NotAnObject);
        };
        let mut out = Self::default();
        for target in [Target::IdToken, Target::Userinfo] {
            // §5.5: other top-level members are not understood, and ignored.
            let Some(member) = doc.get(target.as_str()) else {
                continue;
            };
            let kept = parse_member(target, member)?;
            match target {
                Target::IdToken => out.id_token = kept,
                Target::Userinfo => out.userinfo = kept,
            }
        }
        Ok(out)
    }

    /// Whether nothing Tessera understands was asked for.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.id_token.is_empty() && self.userinfo.is_empty()
    }

    fn member(&self, target: Target) -> &BTreeMap<String, ClaimRequest> {
        match target {
            Target::IdToken => &self.id_token,
            Target::Userinfo => &self.userinfo,
        }
    }

    /// The releasable standard claims asked for in `target`.
    pub fn requested(&self, target: Target) -> impl Iterator<Item = &str> {
        self.member(target)
            .keys()
            .map(String::as_str)
            .filter(|n| RELEASABLE.contains(n))
    }

    /// Whether the ID token's `sub` is asked for with a value (§5.5.1) that is not `sub`: then
    /// only that account may be signed in for this request.
    #[must_use]
    pub fn excludes_subject(&self, sub: &str) -> bool {
        self.id_token
            .get("sub")
            .is_some_and(|c| c.names_values() && !c.accepts(sub))
    }

    /// Whether `acr` is asked for as essential with values (§5.5.1.1) and `acr` is not one of
    /// them: then a sign-in reaching `acr` does not satisfy the request.
    #[must_use]
    pub fn essential_acr_unmet_by(&self, acr: &str) -> bool {
        self.id_token
            .get("acr")
            .is_some_and(|c| c.essential && c.names_values() && !c.accepts(acr))
    }
}

/// Checks one member's shape and keeps the claims Tessera understands.
fn parse_member(
    target: Target,
    member: &Value,
) -> Result<BTreeMap<String, ClaimRequest>, ClaimsRequestError> {
    let Value::Object(claims) = member else {
        return Err(ClaimsRequestError::MemberNotAnObject(target));
    };
    let mut kept = BTreeMap::new();
    for (name, spec) in claims {
        // The shape is checked for every claim, understood or not: a malformed entry is a
        // malformed request (§5.5.1), whereas a well-formed one for an unknown claim is ignored.
        let parsed = parse_claim(target, name, spec)?;
        if RELEASABLE.contains(&name.as_str()) || ACTED_ON.contains(&name.as_str()) {
            if matches!(name.as_str(), "sub" | "acr") {
                let strings = parsed.value.iter().chain(parsed.values.iter().flatten());
                if strings.into_iter().any(|v| !v.is_string()) {
                    return Err(ClaimsRequestError::ValueNotString {
                        target,
                        claim: name.clone(),
                    });
                }
            }
            kept.insert(name.clone(), parsed);
        }
    }
    Ok(kept)
}

fn parse_claim(
    target: Target,
    name: &str,
    spec: &Value,
) -> Result<ClaimRequest, ClaimsRequestError> {
    let claim = || shown(name);
    let spec = match spec {
        Value::Null => return Ok(ClaimRequest::default()),
        Value::Object(o) => o,
        _ => {
            return Err(ClaimsRequestError::ClaimNotAnObject {
                target,
                claim: claim(),
            });
        }
    };
    // §5.5.1: other members of the object are not understood, and ignored.
    let essential = match spec.get("essential") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ClaimsRequestError::EssentialNotBoolean {
                target,
                claim: claim(),
            });
        }
    };
    let value = match spec.get("value") {
        None => None,
        Some(v) if is_scalar(v) => Some(v.clone()),
        Some(_) => {
            return Err(ClaimsRequestError::ValueNotScalar {
                target,
                claim: claim(),
            });
        }
    };
    let values = match spec.get("values") {
        None => None,
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(is_scalar) => Some(a.clone()),
        Some(_) => {
            return Err(ClaimsRequestError::ValuesNotScalars {
                target,
                claim: claim(),
            });
        }
    };
    Ok(ClaimRequest {
        essential,
        value,
        values,
    })
}

/// The claims to release: `by_scope` (what the granted scopes release) plus each of
/// `requested` that the account has a value for in `account` (all its standard claims). Only
/// [`RELEASABLE`] names are ever added, whatever `account` holds, and a claim `by_scope`
/// already has is left as it is.
#[must_use]
pub fn merge<'a>(
    mut by_scope: Map<String, Value>,
    account: &Map<String, Value>,
    requested: impl IntoIterator<Item = &'a str>,
) -> Map<String, Value> {
    for name in requested {
        if !RELEASABLE.contains(&name) || by_scope.contains_key(name) {
            continue;
        }
        if let Some(v) = account.get(name) {
            by_scope.insert(name.to_owned(), v.clone());
        }
    }
    by_scope
}

#[cfg(test)]
mod tests;
