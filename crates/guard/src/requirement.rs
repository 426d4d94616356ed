//! Per-route security: a list of alternatives `(scheme, required scopes)`, as in an OpenAPI
//! operation's `security` array (OpenAPI 3.1 §4.8.10: "only one of the Security Requirement
//! Objects in the list needs to be satisfied").

use tessera_oauth_types::{AccessTokenClaims, Actor, SecurityScheme};

use crate::Rejection;

/// The scope that stands for "every application permission assigned to the client" (the
/// platform's client-credentials convention, docs/product.md#permissions). A token never carries
/// it literally: the server expands it into the assigned `app.` permissions, so a requirement of
/// `.default` is met by any token of the scheme's actor.
pub const DEFAULT_SCOPE: &str = ".default";

/// One alternative: a token satisfies it when its actor and `act` claim match `scheme`
/// ([`SecurityScheme::matches`]) and it carries every scope in `scopes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityRequirement {
    /// Which kind of token.
    pub scheme: SecurityScheme,
    /// Required scopes. Short names (`knowledge.portalmgr.read`) or full names
    /// (`https://api.example/auth/knowledge.portalmgr.read`); tokens carry short names and full
    /// names are shortened when the layer is built.
    pub scopes: Vec<String>,
}

impl SecurityRequirement {
    /// An alternative for `scheme` requiring every scope in `scopes`.
    ///
    /// ```
    /// use tessera_guard::{SecurityRequirement, SecurityScheme};
    /// let user = SecurityRequirement::new(SecurityScheme::OAuthUser, ["knowledge.portalmgr.read"]);
    /// assert_eq!(user.scopes, ["knowledge.portalmgr.read"]);
    /// ```
    #[must_use]
    pub fn new<I, S>(scheme: SecurityScheme, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            scheme,
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether `claims` (already validated) satisfy this alternative.
    #[must_use]
    pub fn is_satisfied_by(&self, claims: &AccessTokenClaims) -> bool {
        self.scheme.matches(claims) && self.missing_scopes(claims).is_empty()
    }

    /// The required scopes `claims` lack (empty when all are present).
    fn missing_scopes<'a>(&'a self, claims: &AccessTokenClaims) -> Vec<&'a str> {
        self.scopes
            .iter()
            .map(|s| short_name(s))
            .filter(|&required| {
                required != DEFAULT_SCOPE && !claims.scopes().any(|granted| granted == required)
            })
            .collect()
    }

    fn normalized(&self) -> Self {
        let mut scopes: Vec<String> = Vec::with_capacity(self.scopes.len());
        for scope in &self.scopes {
            let short = short_name(scope);
            if !short.is_empty() && !scopes.iter().any(|s| s == short) {
                scopes.push(short.to_owned());
            }
        }
        Self {
            scheme: self.scheme,
            scopes,
        }
    }
}

/// The short form of a scope: permission names never contain `/`, and the full form is a URL
/// prefix followed by the short name (docs/product.md#permissions), so whatever follows the last
/// `/` is the name.
fn short_name(scope: &str) -> &str {
    scope.rsplit('/').next().unwrap_or(scope)
}

/// What a route demands of a validated token.
#[derive(Debug, Clone)]
pub(crate) enum Policy {
    /// Any valid token.
    AnyToken,
    /// At least one alternative.
    Alternatives(Vec<SecurityRequirement>),
}

impl Policy {
    pub(crate) fn alternatives(
        alternatives: impl IntoIterator<Item = SecurityRequirement>,
    ) -> Self {
        Self::Alternatives(alternatives.into_iter().map(|r| r.normalized()).collect())
    }

    /// Grants or refuses: 403-112 when no alternative admits the token's kind of actor, 403-197
    /// when some do but the token lacks their scopes.
    pub(crate) fn check(&self, claims: &AccessTokenClaims) -> Result<(), Rejection> {
        let Self::Alternatives(alternatives) = self else {
            return Ok(());
        };
        let applicable: Vec<&SecurityRequirement> = alternatives
            .iter()
            .filter(|r| r.scheme.matches(claims))
            .collect();
        if applicable
            .iter()
            .any(|r| r.missing_scopes(claims).is_empty())
        {
            return Ok(());
        }
        let Some(first) = applicable.first() else {
            let mut accepted: Vec<&str> = Vec::new();
            for scheme in alternatives.iter().map(|r| r.scheme.as_str()) {
                if !accepted.contains(&scheme) {
                    accepted.push(scheme);
                }
            }
            let accepted = if accepted.is_empty() {
                "no kind of token".to_owned()
            } else {
                accepted.join(", ")
            };
            return Err(Rejection::ActorNotAllowed {
                message: format!(
                    "Unauthorized URL access: {} are not allowed to access this URL (it accepts {accepted})",
                    who(claims)
                ),
            });
        };
        let options: Vec<String> = applicable
            .iter()
            .map(|r| format!("{} ({})", r.scopes.join(" "), r.scheme))
            .collect();
        let missing = first.missing_scopes(claims).join(" ");
        Err(Rejection::InsufficientScope {
            // RFC 6750 §3 names one scope set; the first applicable alternative's is the one the
            // caller's kind of token can obtain.
            required: first.scopes.clone(),
            message: format!(
                "Not authorized: the access token lacks required scope(s) {missing}; this operation requires {}",
                options.join(" or ")
            ),
        })
    }
}

/// The kind of caller, plural, for the 403-112 message.
fn who(claims: &AccessTokenClaims) -> &'static str {
    match (claims.actor, claims.act.is_some()) {
        (Actor::User, false) => "users",
        (Actor::User, true) => "clients acting on behalf of users",
        (Actor::Customer, false) => "customers",
        (Actor::Customer, true) => "clients acting on behalf of customers",
        (Actor::AnonymousCustomer, _) => "anonymous customers",
        (Actor::Client, _) => "client applications",
    }
}

#[cfg(test)]
mod tests {
    use tessera_oauth_types::Act;

    use super::*;

    fn claims(actor: Actor, obo: bool, scope: &str) -> AccessTokenClaims {
        AccessTokenClaims {
            iss: "i".into(),
            sub: "s".into(),
            aud: vec![],
            exp: 0,
            iat: 0,
            nbf: 0,
            jti: "j".into(),
            client_id: "c".into(),
            scope: scope.into(),
            tenant: "t".into(),
            actor,
            act: obo.then(|| Act { sub: "c".into() }),
            idp: None,
        }
    }

    #[test]
    fn full_scope_names_are_shortened() {
        let p = Policy::alternatives([SecurityRequirement::new(
            SecurityScheme::OAuthUser,
            ["https://api.example/auth/knowledge.portalmgr.read"],
        )]);
        assert!(
            p.check(&claims(Actor::User, false, "knowledge.portalmgr.read"))
                .is_ok()
        );
    }

    #[test]
    fn default_scope_needs_only_the_client_actor() {
        let p = Policy::alternatives([SecurityRequirement::new(
            SecurityScheme::OAuthClient,
            ["https://api.example/auth/.default"],
        )]);
        assert!(p.check(&claims(Actor::Client, false, "app.x.read")).is_ok());
        assert!(matches!(
            p.check(&claims(Actor::User, false, "app.x.read")),
            Err(Rejection::ActorNotAllowed { .. })
        ));
    }

    #[test]
    fn an_empty_list_admits_nobody() {
        let p = Policy::alternatives([]);
        assert!(matches!(
            p.check(&claims(Actor::User, false, "")),
            Err(Rejection::ActorNotAllowed { .. })
        ));
        assert!(
            Policy::AnyToken
                .check(&claims(Actor::User, false, ""))
                .is_ok()
        );
    }
}
