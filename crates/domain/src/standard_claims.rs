//! The optional OpenID Connect standard claims an account carries (OIDC Core §5.1): held by
//! users and customers alike, set by an administrator, and released at userinfo by the
//! `profile`, `email`, `address` and `phone` scopes (OIDC Core §5.4).

use serde::{Deserialize, Serialize};

use crate::identity_provider::double_option;
use crate::validation::FieldErrors;

/// A postal address (OIDC Core §5.1.1); every part is optional, but not all at once.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    /// The full address for display; lines may be separated by `\n` (or `\r\n`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// Street, house number, apartment; lines may be separated by `\n`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// City or locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// State, province, prefecture or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Zip or postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// Country name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The standard claims of one account beyond its name and email; `None` means "not known", and
/// such a claim is never released.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StandardClaims {
    /// Given (first) name.
    #[serde(default)]
    pub given_name: Option<String>,
    /// Family (last) name.
    #[serde(default)]
    pub family_name: Option<String>,
    /// BCP 47 language tag, such as `en-US` or `fr`.
    #[serde(default)]
    pub locale: Option<String>,
    /// IANA time zone name, such as `Europe/Paris`.
    #[serde(default)]
    pub zoneinfo: Option<String>,
    /// Whether an administrator has verified the email address; false until one says so, and
    /// reset when the address changes, because relying parties may link accounts on it.
    #[serde(default)]
    pub email_verified: bool,
    /// Phone number in E.164 form, such as `+33123456789`.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Whether an administrator has verified the phone number; reset when the number changes.
    #[serde(default)]
    pub phone_number_verified: bool,
    /// Postal address.
    #[serde(default)]
    pub address: Option<PostalAddress>,
}

/// Changes to the standard claims: an absent field is left as it is, `null` removes the value.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StandardClaimsChanges {
    /// New given name (`null` removes it).
    #[serde(default, with = "double_option")]
    pub given_name: Option<Option<String>>,
    /// New family name (`null` removes it).
    #[serde(default, with = "double_option")]
    pub family_name: Option<Option<String>>,
    /// New locale (`null` removes it).
    #[serde(default, with = "double_option")]
    pub locale: Option<Option<String>>,
    /// New time zone (`null` removes it).
    #[serde(default, with = "double_option")]
    pub zoneinfo: Option<Option<String>>,
    /// Email verified flag (a changed email resets it unless this is sent).
    pub email_verified: Option<bool>,
    /// New phone number (`null` removes it).
    #[serde(default, with = "double_option")]
    pub phone_number: Option<Option<String>>,
    /// Phone verified flag (a changed number resets it unless this is sent).
    pub phone_number_verified: Option<bool>,
    /// New postal address, replacing the old one whole (`null` removes it).
    #[serde(default, with = "double_option")]
    pub address: Option<Option<PostalAddress>>,
}

/// Longest name part accepted.
const MAX_NAME: usize = 100;
/// Longest address part accepted (`formatted` gets twice as much).
const MAX_ADDRESS_PART: usize = 200;

impl StandardClaims {
    /// Records every broken rule.
    pub fn check(&self, e: &mut FieldErrors) {
        if let Some(v) = &self.given_name {
            e.check_len("given_name", v, 1, MAX_NAME);
        }
        if let Some(v) = &self.family_name {
            e.check_len("family_name", v, 1, MAX_NAME);
        }
        if self.locale.as_deref().is_some_and(|v| !is_language_tag(v)) {
            e.add(
                "locale",
                "must be a BCP 47 language tag such as en, en-US or zh-Hant-TW",
            );
        }
        if self.zoneinfo.as_deref().is_some_and(|v| !is_zone_name(v)) {
            e.add(
                "zoneinfo",
                "must be an IANA time zone name such as Europe/Paris or UTC",
            );
        }
        match &self.phone_number {
            Some(v) if !is_e164(v) => e.add(
                "phone_number",
                "must be in E.164 form: + and 2 to 15 digits, such as +33123456789",
            ),
            None if self.phone_number_verified => e.add(
                "phone_number_verified",
                "cannot be true without a phone_number",
            ),
            _ => {}
        }
        if let Some(a) = &self.address {
            a.check(e);
        }
    }

    /// Applies `c`; `email_changed` says whether the account's email changed in the same edit,
    /// which withdraws the verification unless `c` sets it again.
    pub fn apply(&mut self, c: StandardClaimsChanges, email_changed: bool) {
        if let Some(v) = c.given_name {
            self.given_name = v;
        }
        if let Some(v) = c.family_name {
            self.family_name = v;
        }
        if let Some(v) = c.locale {
            self.locale = v;
        }
        if let Some(v) = c.zoneinfo {
            self.zoneinfo = v;
        }
        if let Some(v) = c.address {
            self.address = v;
        }
        if email_changed {
            self.email_verified = false;
        }
        if let Some(v) = c.email_verified {
            self.email_verified = v;
        }
        if let Some(v) = c.phone_number {
            if v != self.phone_number {
                self.phone_number_verified = false;
            }
            self.phone_number = v;
        }
        if let Some(v) = c.phone_number_verified {
            self.phone_number_verified = v;
        }
    }
}

impl PostalAddress {
    fn check(&self, e: &mut FieldErrors) {
        let parts = [
            ("address.formatted", &self.formatted, 2 * MAX_ADDRESS_PART),
            (
                "address.street_address",
                &self.street_address,
                MAX_ADDRESS_PART,
            ),
            ("address.locality", &self.locality, MAX_ADDRESS_PART),
            ("address.region", &self.region, MAX_ADDRESS_PART),
            ("address.postal_code", &self.postal_code, 20),
            ("address.country", &self.country, MAX_ADDRESS_PART),
        ];
        if parts.iter().all(|(_, v, _)| v.is_none()) {
            e.add("address", "must have at least one part, or be null");
        }
        for (field, value, max) in parts {
            if let Some(v) = value {
                // §5.1.1: line breaks are allowed in the multi-line parts, nothing else is.
                let single_lines = v.replace("\r\n", " ").replace('\n', " ");
                let multi_line = matches!(field, "address.formatted" | "address.street_address");
                e.check_len(field, if multi_line { &single_lines } else { v }, 1, max);
            }
        }
    }
}

/// A BCP 47-shaped tag (RFC 5646 §2.1, simplified): a 2–3 letter language, then subtags of
/// 1–8 letters or digits, at most 35 characters.
fn is_language_tag(v: &str) -> bool {
    let mut parts = v.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_alphabetic()));
    v.len() <= 35
        && lang_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// An IANA tz database name's shape: `UTC` or `Area/Location[/Sub]`, each part starting with a
/// letter and holding letters, digits, `_`, `-` or `+`.
fn is_zone_name(v: &str) -> bool {
    v.len() <= 64
        && v.split('/').count() <= 3
        && v.split('/').all(|p| {
            p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '+'))
        })
}

/// E.164 (ITU-T E.164 §6): `+`, a country code not starting with 0, at most 15 digits in all.
fn is_e164(v: &str) -> bool {
    v.strip_prefix('+').is_some_and(|d| {
        (2..=15).contains(&d.len()) && d.chars().all(|c| c.is_ascii_digit()) && !d.starts_with('0')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(c: &StandardClaims) -> Vec<String> {
        let mut e = FieldErrors::default();
        c.check(&mut e);
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn shapes() {
        for ok in ["en", "en-US", "zh-Hant-TW", "fr-FR", "de-CH-1996"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "en_US",
            "en-",
            "-en",
            "en US",
            "english-language-tag-way-too-long-x",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
        for ok in [
            "UTC",
            "Europe/Paris",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+5",
        ] {
            assert!(is_zone_name(ok), "{ok}");
        }
        for bad in [
            "",
            "/Paris",
            "Europe/",
            "Europe Paris",
            "1Europe/Paris",
            "a/b/c/d",
        ] {
            assert!(!is_zone_name(bad), "{bad}");
        }
        for ok in ["+33123456789", "+15551234567", "+49"] {
            assert!(is_e164(ok), "{ok}");
        }
        for bad in [
            "33123456789",
            "+0123",
            "+1 555 123",
            "+1234567890123456",
            "+",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
    }

    #[test]
    fn every_field_is_checked_and_named() {
        let c = StandardClaims {
            given_name: Some(String::new()),
            family_name: Some("x".repeat(101)),
            locale: Some("english".into()),
            zoneinfo: Some("Paris time".into()),
            phone_number: Some("0612".into()),
            address: Some(PostalAddress::default()),
            ..StandardClaims::default()
        };
        assert_eq!(
            errors(&c),
            [
                "given_name",
                "family_name",
                "locale",
                "zoneinfo",
                "phone_number",
                "address"
            ]
        );
        let c = StandardClaims {
            phone_number_verified: true,
            address: Some(PostalAddress {
                formatted: Some("1 Main St\r\nSpringfield".into()),
                postal_code: Some("1\u{7}".into()),
                ..PostalAddress::default()
            }),
            ..StandardClaims::default()
        };
        assert_eq!(errors(&c), ["phone_number_verified", "address.postal_code"]);
    }

    #[test]
    fn a_changed_email_or_phone_is_no_longer_verified() {
        let mut c = StandardClaims {
            email_verified: true,
            phone_number: Some("+33123456789".into()),
            phone_number_verified: true,
            ..StandardClaims::default()
        };
        c.apply(
            StandardClaimsChanges {
                phone_number: Some(Some("+33123456789".into())),
                ..StandardClaimsChanges::default()
            },
            false,
        );
        assert!(c.email_verified && c.phone_number_verified);
        c.apply(
            StandardClaimsChanges {
                phone_number: Some(Some("+33999999999".into())),
                ..StandardClaimsChanges::default()
            },
            true,
        );
        assert!(!c.email_verified && !c.phone_number_verified);
        c.apply(
            StandardClaimsChanges {
                email_verified: Some(true),
                phone_number: Some(None),
                ..StandardClaimsChanges::default()
            },
            true,
        );
        assert!(c.email_verified && !c.phone_number_verified && c.phone_number.is_none());
    }
}
