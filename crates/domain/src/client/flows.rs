//! Which token flows a client application can use (docs/product.md#client-applications):
//! what its Metadata offers a ready request for.

use super::{ClientApplication, Platform};
use crate::flow::Flow;

impl ClientApplication {
    /// The flows this client can use today, in the order a developer meets them: a Web
    /// application has authorization code and client credentials, plus on-behalf-of and token
    /// exchange when switched on; a single-page application has only authorization code (with
    /// PKCE). Refresh comes with authorization code and is not listed on its own.
    #[must_use]
    pub fn usable_flows(&self) -> Vec<Flow> {
        match self.platform {
            Platform::Spa => vec![Flow::AuthorizationCode],
            Platform::Web => {
                let mut flows = vec![Flow::AuthorizationCode, Flow::ClientCredentials];
                if self.obo_enabled {
                    flows.push(Flow::OnBehalfOf);
                }
                if self.token_exchange_enabled {
                    flows.push(Flow::TokenExchange);
                }
                flows
            }
        }
    }
}
