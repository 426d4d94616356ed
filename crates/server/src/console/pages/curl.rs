//! The ready `curl` requests of a client application's Metadata page: one per flow it can use
//! ([`ClientApplication::usable_flows`]), with the real token and authorization URLs and
//! Client ID, and the secret (and whatever only the developer knows) left as a shell variable
//! to fill in. Requests as in docs/flows/.

use tessera_domain::client::{ClientApplication, Platform};
use tessera_domain::flow::Flow;

/// One copyable request.
#[derive(Debug, Clone)]
pub(crate) struct Curl {
    /// The element id (the copy button's target).
    pub id: &'static str,
    /// Its heading.
    pub title: &'static str,
    /// What to fill in before running it.
    pub note: &'static str,
    /// The shell text.
    pub text: String,
}

/// `s` quoted for a POSIX shell (single quotes; a quote inside becomes `'\''`).
#[must_use]
pub(crate) fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// How the client authenticates at the token endpoint: the secret for a Web application
/// (HTTP Basic, `client_secret_basic`), its Client ID alone for a single-page application.
fn client_auth(c: &ClientApplication) -> String {
    match c.platform {
        Platform::Web => format!(
            "-u {}\"$CLIENT_SECRET\"",
            sh_quote(&format!("{}:", c.client_id))
        ),
        Platform::Spa => format!("-d client_id={}", c.client_id),
    }
}

/// The requests for every flow `c` can use, against `token_url` and `authorization_url`.
#[must_use]
pub(crate) fn requests(
    c: &ClientApplication,
    authorization_url: &str,
    token_url: &str,
) -> Vec<Curl> {
    let token = sh_quote(token_url);
    let auth = client_auth(c);
    let secret = if c.platform == Platform::Web {
        "CLIENT_SECRET='paste one of this application’s secrets here'\n"
    } else {
        ""
    };
    c.usable_flows()
        .into_iter()
        .filter_map(|flow| match flow {
            Flow::AuthorizationCode => {
                let redirect = c
                    .redirect_urls
                    .first()
                    .map_or("https://your.app/callback", String::as_str);
                let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
                Some(Curl {
                    id: "curl-authorization-code",
                    title: "Authorization code with PKCE",
                    note: "Open the printed address in a browser, sign in, and copy the code parameter of the address you are sent back to into CODE.",
                    text: format!(
                        "{secret}# PKCE: a random verifier and its S256 challenge\n\
                         VERIFIER=$(openssl rand -base64 48 | tr -d '=+/\\n' | cut -c1-64)\n\
                         CHALLENGE=$(printf %s \"$VERIFIER\" | openssl dgst -sha256 -binary | openssl base64 | tr '+/' '-_' | tr -d '=')\n\
                         # 1. Sign in: open this address in a browser\n\
                         echo {authz}'?response_type=code&client_id={id}&redirect_uri={redirect}&scope=openid&state=s1&code_challenge='\"$CHALLENGE\"'&code_challenge_method=S256'\n\
                         # 2. Exchange the code sent back to the redirect URL\n\
                         CODE='paste the code here'\n\
                         curl -s {auth} \\\n  \
                         -d grant_type=authorization_code -d \"code=$CODE\" \\\n  \
                         --data-urlencode redirect_uri={redirect_q} -d \"code_verifier=$VERIFIER\" \\\n  \
                         {token}",
                        authz = sh_quote(authorization_url),
                        id = c.client_id,
                        redirect = enc(redirect),
                        redirect_q = sh_quote(redirect),
                    ),
                })
            }
            Flow::ClientCredentials => Some(Curl {
                id: "curl-client-credentials",
                title: "Client credentials",
                note: "The token carries the application permissions assigned on the Permissions tab.",
                text: format!(
                    "{secret}curl -s {auth} \\\n  -d grant_type=client_credentials -d scope=.default \\\n  {token}"
                ),
            }),
            Flow::OnBehalfOf => Some(Curl {
                id: "curl-on-behalf-of",
                title: "On-behalf-of a user",
                note: "Name the user by subject_username, subject_userid or subject_email; the token carries the On-Behalf-Of permissions assigned.",
                text: format!(
                    "{secret}curl -s {auth} -d grant_type=password \\\n  \
                     -d subject_username='the user’s username' -d scope=.default \\\n  {token}"
                ),
            }),
            Flow::TokenExchange => Some(Curl {
                id: "curl-token-exchange",
                title: "Token exchange",
                note: "EXTERNAL_TOKEN is a token of one of the partition’s identity providers; REGISTRATION_ID is that provider’s id.",
                text: format!(
                    "{secret}EXTERNAL_TOKEN='paste the identity provider’s token here'\n\
                     REGISTRATION_ID='the identity provider’s id'\n\
                     curl -s {auth} \\\n  \
                     -d grant_type=urn:ietf:params:oauth:grant-type:token-exchange \\\n  \
                     --data-urlencode \"subject_token=$EXTERNAL_TOKEN\" \\\n  \
                     -d subject_token_type=urn:ietf:params:oauth:token-type:jwt \\\n  \
                     -d \"registration_id=$REGISTRATION_ID\" -d scope=.default \\\n  {token}"
                ),
            }),
            // Not a client's own flow: anonymous customers are issued at the customers realm.
            Flow::AnonymousCustomer => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_survive_the_shell() {
        assert_eq!(sh_quote("a'b"), r"'a'\''b'");
        assert_eq!(sh_quote("https://x/t"), "'https://x/t'");
    }
}
