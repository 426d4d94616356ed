//! One token request as every grant handler sees it: where it arrived (partition and realm),
//! what it carried (headers and form), and the audit context the endpoint records its outcome
//! with. Handlers take this one value instead of its seven parts.

use std::collections::HashSet;
use std::sync::OnceLock;

use axum::http::HeaderMap;
use tessera_domain::flow::Flow;
use tessera_domain::scope::{self, GrantedScopes, ScopeRequest};
use tessera_domain::{PartitionId, Realm};

use crate::audit::AuditContext;
use crate::oauth::client_auth::{self, Authenticated};
use crate::oauth::error::OAuthError;
use crate::oauth::form::Params;
use crate::oauth::issue::Issuer;
use crate::rate_window::Quota;
use crate::state::{AppState, PartitionContext};

/// A token request, parsed, for a known partition.
#[derive(Debug)]
pub(crate) struct GrantRequest<'a> {
    /// The server.
    pub(crate) state: &'a AppState,
    /// The partition's catalog, keys and prefix.
    pub(crate) ctx: &'a PartitionContext,
    /// The partition of the issuer that received the request.
    pub(crate) partition: &'a PartitionId,
    /// The realm of the issuer that received the request.
    pub(crate) realm: Realm,
    /// The request's headers (client authentication, RFC 6749 §2.3.1).
    pub(crate) headers: &'a HeaderMap,
    /// The request's form parameters.
    pub(crate) params: &'a Params,
    /// Who is acting, for the audit event the endpoint records; authentication fills it in.
    pub(crate) audit: &'a mut AuditContext,
    /// The client's rate-limit quota once it is counted, for the `X-RateLimit-*` headers of
    /// the answer.
    pub(crate) quota: &'a OnceLock<Quota>,
}

impl GrantRequest<'_> {
    /// Authenticates the client (RFC 6749 §2.3), naming it in the audit context.
    ///
    /// # Errors
    /// `invalid_client` (401) and the other refusals of client authentication.
    /// Then counts the request against the client's limit of token requests a minute
    /// (`clients.token_requests_per_minute`), across every instance: counted after
    /// authentication, so nobody can spend another client's allowance by naming it.
    pub(crate) async fn authenticate(&mut self) -> Result<Authenticated, OAuthError> {
        let auth = client_auth::authenticate_request(
            self.state,
            self.partition,
            self.headers,
            self.params,
            self.audit,
        )
        .await?;
        let limit = self.state.config.clients.token_requests_per_minute;
        if limit > 0 {
            let now = self.state.clock.now();
            let key = format!(
                "c|{}|{}",
                self.partition.as_str(),
                auth.view.client.client_id
            );
            match self.state.rate_counters.check(&key, limit, now) {
                Ok(quota) => {
                    let _ = self.quota.set(quota);
                }
                Err(quota) => {
                    return Err(OAuthError::too_many_requests(
                        format!(
                            "this client has made {limit} token requests this minute, its limit; retry in {} s",
                            quota.retry_after(now)
                        ),
                        quota,
                        now,
                    ));
                }
            }
        }
        Ok(auth)
    }

    /// The issuer that received the request, which signs its tokens.
    pub(crate) fn issuer(&self) -> Issuer<'_> {
        Issuer {
            state: self.state,
            ctx: self.ctx,
            partition: self.partition,
            realm: self.realm,
        }
    }

    /// The permissions granted for the request's `scope` in `flow`, from those `assigned` (the
    /// client's, or for anonymous tokens the whole catalog): the flow's rules decide
    /// (`tessera_domain::scope::resolve`).
    ///
    /// # Errors
    /// `invalid_scope` with the reason.
    pub(crate) fn scope(
        &self,
        flow: Flow,
        assigned: &HashSet<String>,
    ) -> Result<GrantedScopes, OAuthError> {
        let request = ScopeRequest {
            flow,
            requested: self.params.get("scope"),
            prefix: &self.ctx.prefix,
        };
        Ok(scope::resolve(
            request,
            &self.ctx.catalog.permissions,
            assigned,
        )?)
    }

    /// Records that the client's secret was used now (Web clients; a SPA has none).
    pub(crate) async fn secret_used(&self, auth: &Authenticated) {
        if let Some(sid) = auth.secret_id {
            self.state
                .audit
                .secret_used(sid, self.state.clock.now())
                .await;
        }
    }
}
