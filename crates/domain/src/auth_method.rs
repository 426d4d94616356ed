//! How a person authenticated, kept with the browser session and each grant made in it, so the
//! ID token says what really happened (OIDC Core §2 `amr` and `acr`; RFC 8176 method values).
//!
//! Tessera's authentication context classes are its own URNs, one per level it can reach:
//! `urn:tessera:acr:pwd` is a single factor, a password. A further method (`otp`, `hwk`) becomes
//! a new variant with its own `amr` values and, when it adds a factor, a higher class
//! (docs/flows/authorization-code.md).

/// The class of a password sign-in: one factor, something the person knows.
pub const ACR_PASSWORD: &str = "urn:tessera:acr:pwd";

/// Every class Tessera can reach, as discovery's `acr_values_supported` lists them.
pub const ACR_VALUES_SUPPORTED: &[&str] = &[ACR_PASSWORD];

/// A way a person signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AuthMethod {
    /// The realm's login page checked the password.
    #[default]
    Password,
}

impl AuthMethod {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Password => "pwd",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pwd" => Some(Self::Password),
            _ => None,
        }
    }

    /// The ID token's `amr`: RFC 8176 §2 method values.
    #[must_use]
    pub const fn amr(self) -> &'static [&'static str] {
        match self {
            Self::Password => &["pwd"],
        }
    }

    /// The ID token's `acr`: the class this method reaches.
    #[must_use]
    pub const fn acr(self) -> &'static str {
        match self {
            Self::Password => ACR_PASSWORD,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip_and_password_is_one_factor() {
        let m = AuthMethod::Password;
        assert_eq!(AuthMethod::parse(m.as_str()), Some(m));
        assert_eq!(AuthMethod::parse("otp"), None);
        assert_eq!(m.amr(), ["pwd"]);
        assert_eq!(m.acr(), ACR_PASSWORD);
        assert!(ACR_VALUES_SUPPORTED.contains(&m.acr()));
    }
}
