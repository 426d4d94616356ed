//! The sample's settings, read from the environment.

use std::net::SocketAddr;

use openidconnect::{ClientId, ClientSecret, IssuerUrl};

use crate::error::Error;

pub(crate) const DEFAULT_ISSUER: &str = "http://127.0.0.1:8080/system/auth/demo-U";
const DEFAULT_LISTEN: &str = "127.0.0.1:8081";

/// Settings from the environment.
#[derive(Debug)]
pub(crate) struct Config {
    pub(crate) issuer: IssuerUrl,
    pub(crate) client_id: ClientId,
    pub(crate) client_secret: ClientSecret,
    pub(crate) listen: SocketAddr,
}

impl Config {
    /// Reads the settings through `var` (the environment in `main`, a list in tests).
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let required = |name| {
            var(name)
                .filter(|v| !v.is_empty())
                .ok_or(Error::MissingEnv(name))
        };
        let issuer = var("TESSERA_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.to_owned());
        let listen = var("LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
        Ok(Self {
            issuer: IssuerUrl::new(issuer)
                .map_err(|e| Error::InvalidEnv("TESSERA_ISSUER", e.to_string()))?,
            client_id: ClientId::new(required("TESSERA_CLIENT_ID")?),
            client_secret: ClientSecret::new(required("TESSERA_CLIENT_SECRET")?),
            listen: listen
                .parse()
                .map_err(|e| Error::InvalidEnv("LISTEN", format!("{e}")))?,
        })
    }

    /// This app's own address: Tessera has `{base}/callback` and `{base}/` registered for it.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.listen)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &'static [(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn config_defaults_and_errors() {
        const ID_AND_SECRET: &[(&str, &str)] =
            &[("TESSERA_CLIENT_ID", "c"), ("TESSERA_CLIENT_SECRET", "s")];
        let config = Config::from_vars(vars(ID_AND_SECRET)).unwrap();
        assert_eq!(config.issuer.as_str(), DEFAULT_ISSUER);
        assert_eq!(config.base_url(), "http://127.0.0.1:8081");

        let err = Config::from_vars(vars(&[("TESSERA_CLIENT_ID", "c")])).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("TESSERA_CLIENT_SECRET is not set"),
            "{err}"
        );
        assert!(err.to_string().contains("\"Demo Web App\""), "{err}");

        let bad_listen = &[
            ("TESSERA_CLIENT_ID", "c"),
            ("TESSERA_CLIENT_SECRET", "s"),
            ("LISTEN", "x"),
        ];
        let err = Config::from_vars(vars(bad_listen)).unwrap_err();
        assert!(err.to_string().starts_with("LISTEN is not valid"), "{err}");
    }
}
