//! The anonymous-customer flow (docs/product.md#flows): client credentials at the compatibility
//! address, for a visitor nobody signed in. The platform's clients send dummy
//! `client_id`/`client_secret` values, so both are accepted and ignored; only delegated
//! permissions marked `anonymous` are granted, and the token comes from the customers realm with
//! a fresh subject.

use tessera_domain::Realm;
use tessera_domain::audit::ActorKind;
use tessera_domain::flow::Flow;
use tessera_oauth_types::{Actor, TokenResponse};

use super::request::GrantRequest;
use crate::oauth::error::OAuthError;
use crate::oauth::issue::{self, Issuer, Subject};

/// The `client_id` claim of anonymous tokens.
pub(crate) const ANONYMOUS_CLIENT: &str = "anonymous";

/// Issues an anonymous-customer token.
pub(super) fn handle(req: GrantRequest<'_>) -> Result<TokenResponse, OAuthError> {
    let GrantRequest { state, ctx, .. } = req;
    req.audit.actor_kind = ActorKind::Anonymous;
    // Every catalog permission counts as "assigned": there is no client, and the flow's own
    // rule (delegated and marked anonymous) is what limits the grant, with a precise reason.
    let all: std::collections::HashSet<String> = ctx.catalog.permissions.keys().cloned().collect();
    let granted = req.scope(Flow::AnonymousCustomer, &all)?;
    let sub = state.rng.uuid().to_string();
    req.audit.actor_id = Some(sub.clone());
    issue::access_token(
        Issuer {
            realm: Realm::Customers,
            ..req.issuer()
        },
        Subject {
            sub,
            client_id: ANONYMOUS_CLIENT.to_owned(),
            actor: Actor::AnonymousCustomer,
            act: None,
            idp: None,
        },
        &granted,
        state.config.tokens.access_token_ttl,
    )
}
