//! Turns a published JWK into a verification key bound to exactly one algorithm.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use tessera_oauth_types::Jwk;

/// The algorithms a Tessera realm signs with (docs/product.md#signing-keys). Never `none` and
/// never an HMAC algorithm: a resource server holds no shared secret, and accepting HS256 would
/// let anyone "sign" with the public key (the classic algorithm-confusion attack, RFC 8725 §2.1).
pub(crate) const ALLOWED_ALGORITHMS: [Algorithm; 3] =
    [Algorithm::ES256, Algorithm::RS256, Algorithm::EdDSA];

/// A public key and the one algorithm it may verify.
pub(crate) struct VerifyingKey {
    pub(crate) alg: Algorithm,
    pub(crate) key: DecodingKey,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// Builds the key, or says why this JWK cannot verify Tessera tokens.
    ///
    /// The algorithm comes from the key type and curve, never from the token: RFC 8725 §3.1
    /// requires each key to be used with exactly one algorithm. When the JWK also states `alg`
    /// (RFC 7517 §4.4) it must agree.
    pub(crate) fn from_jwk(jwk: &Jwk) -> Result<Self, &'static str> {
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err("key is not for signatures");
        }
        let (alg, key) = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("EC", Some("P-256")) => {
                let (Some(x), Some(y)) = (&jwk.x, &jwk.y) else {
                    return Err("EC key without x and y");
                };
                // P-256 coordinates are exactly 32 bytes (RFC 7518 §6.2.1.2).
                if decoded_len(x) != Some(32) || decoded_len(y) != Some(32) {
                    return Err("EC coordinates are not 32 bytes");
                }
                let key =
                    DecodingKey::from_ec_components(x, y).map_err(|_| "EC key does not decode")?;
                (Algorithm::ES256, key)
            }
            ("RSA", _) => {
                let (Some(n), Some(e)) = (&jwk.n, &jwk.e) else {
                    return Err("RSA key without n and e");
                };
                let key = DecodingKey::from_rsa_components(n, e)
                    .map_err(|_| "RSA key does not decode")?;
                (Algorithm::RS256, key)
            }
            ("OKP", Some("Ed25519")) => {
                let Some(x) = &jwk.x else {
                    return Err("OKP key without x");
                };
                if decoded_len(x) != Some(32) {
                    return Err("Ed25519 key is not 32 bytes");
                }
                let key = DecodingKey::from_ed_components(x)
                    .map_err(|_| "Ed25519 key does not decode")?;
                (Algorithm::EdDSA, key)
            }
            _ => return Err("unsupported key type or curve"),
        };
        if let Some(stated) = jwk.alg.as_deref() {
            let agrees = match alg {
                Algorithm::ES256 => stated == "ES256",
                Algorithm::RS256 => stated == "RS256",
                // RFC 9864 deprecates the polymorphic `EdDSA` name in favour of `Ed25519`.
                Algorithm::EdDSA => stated == "EdDSA" || stated == "Ed25519",
                _ => false,
            };
            if !agrees {
                return Err("the key's alg does not match its type");
            }
        }
        Ok(Self { alg, key })
    }
}

fn decoded_len(b64: &str) -> Option<usize> {
    URL_SAFE_NO_PAD.decode(b64).ok().map(|v| v.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(kty: &str, crv: Option<&str>, alg: Option<&str>) -> Jwk {
        let coord = URL_SAFE_NO_PAD.encode([7u8; 32]);
        Jwk {
            kty: kty.to_owned(),
            kid: "k".to_owned(),
            use_: Some("sig".to_owned()),
            alg: alg.map(str::to_owned),
            crv: crv.map(str::to_owned),
            x: Some(coord.clone()),
            y: Some(coord),
            n: Some(URL_SAFE_NO_PAD.encode([0xC1u8; 256])),
            e: Some("AQAB".to_owned()),
        }
    }

    #[test]
    fn algorithm_comes_from_the_key_type() {
        let ec = VerifyingKey::from_jwk(&jwk("EC", Some("P-256"), None)).unwrap();
        assert_eq!(ec.alg, Algorithm::ES256);
        let rsa = VerifyingKey::from_jwk(&jwk("RSA", None, Some("RS256"))).unwrap();
        assert_eq!(rsa.alg, Algorithm::RS256);
        let ed = VerifyingKey::from_jwk(&jwk("OKP", Some("Ed25519"), Some("EdDSA"))).unwrap();
        assert_eq!(ed.alg, Algorithm::EdDSA);
    }

    #[test]
    fn refuses_mismatched_or_unsupported_keys() {
        assert!(VerifyingKey::from_jwk(&jwk("EC", Some("P-256"), Some("RS256"))).is_err());
        assert!(VerifyingKey::from_jwk(&jwk("EC", Some("P-384"), None)).is_err());
        assert!(VerifyingKey::from_jwk(&jwk("oct", None, Some("HS256"))).is_err());
        let mut enc = jwk("EC", Some("P-256"), None);
        enc.use_ = Some("enc".to_owned());
        assert!(VerifyingKey::from_jwk(&enc).is_err());
    }
}
