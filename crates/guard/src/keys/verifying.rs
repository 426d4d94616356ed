//! Turns a published JWK into a verification key bound to the algorithms its type allows.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use tessera_oauth_types::Jwk;

/// A public key and the algorithms it may verify: those its type and curve imply, narrowed to
/// the one its JWK states (RFC 7517 §4.4) and to the verifier's policy.
pub(crate) struct VerifyingKey {
    pub(crate) algorithms: Vec<Algorithm>,
    pub(crate) key: DecodingKey,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("algorithms", &self.algorithms)
            .finish_non_exhaustive()
    }
}

/// The JOSE name of `alg` as a JWK states it (RFC 7518 §3.1).
fn jose_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
    }
}

impl VerifyingKey {
    /// Builds the key, or says why this JWK cannot verify tokens with any of `allowed`.
    ///
    /// The algorithm comes from the key type and curve, never from the token: RFC 8725 §3.1
    /// requires each key to be used with its own algorithm(s). When the JWK also states `alg`
    /// (RFC 7517 §4.4) it must agree, and it is then the only one.
    pub(crate) fn from_jwk(jwk: &Jwk, allowed: &[Algorithm]) -> Result<Self, &'static str> {
        if jwk.use_.as_deref().is_some_and(|u| u != "sig") {
            return Err("key is not for signatures");
        }
        let ec = |len: usize, algs: &'static [Algorithm]| {
            let (Some(x), Some(y)) = (&jwk.x, &jwk.y) else {
                return Err("EC key without x and y");
            };
            // Coordinates are exactly the curve's size (RFC 7518 §6.2.1.2).
            if decoded_len(x) != Some(len) || decoded_len(y) != Some(len) {
                return Err("EC coordinates are not the curve's size");
            }
            let key =
                DecodingKey::from_ec_components(x, y).map_err(|_| "EC key does not decode")?;
            Ok((algs, key))
        };
        let (family, key): (&[Algorithm], DecodingKey) =
            match (jwk.kty.as_str(), jwk.crv.as_deref()) {
                ("EC", Some("P-256")) => ec(32, &[Algorithm::ES256])?,
                ("EC", Some("P-384")) => ec(48, &[Algorithm::ES384])?,
                ("RSA", _) => {
                    let (Some(n), Some(e)) = (&jwk.n, &jwk.e) else {
                        return Err("RSA key without n and e");
                    };
                    let key = DecodingKey::from_rsa_components(n, e)
                        .map_err(|_| "RSA key does not decode")?;
                    (
                        &[
                            Algorithm::RS256,
                            Algorithm::RS384,
                            Algorithm::RS512,
                            Algorithm::PS256,
                            Algorithm::PS384,
                            Algorithm::PS512,
                        ],
                        key,
                    )
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
                    (&[Algorithm::EdDSA], key)
                }
                _ => return Err("unsupported key type or curve"),
            };
        let stated = match jwk.alg.as_deref() {
            None => None,
            // RFC 9864 deprecates the polymorphic `EdDSA` name in favour of `Ed25519`.
            Some("Ed25519") => Some(Algorithm::EdDSA),
            Some(name) => Some(
                family
                    .iter()
                    .copied()
                    .find(|a| jose_name(*a) == name)
                    .ok_or("the key's alg does not match its type")?,
            ),
        };
        let algorithms: Vec<Algorithm> = family
            .iter()
            .copied()
            .filter(|a| stated.is_none_or(|s| s == *a) && allowed.contains(a))
            .collect();
        if algorithms.is_empty() {
            return Err("the key's algorithm is not accepted here");
        }
        Ok(Self { algorithms, key })
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

    const TESSERA: &[Algorithm] = &crate::TESSERA_ALGORITHMS;

    #[test]
    fn algorithm_comes_from_the_key_type() {
        let ec = VerifyingKey::from_jwk(&jwk("EC", Some("P-256"), None), TESSERA).unwrap();
        assert_eq!(ec.algorithms, [Algorithm::ES256]);
        let rsa = VerifyingKey::from_jwk(&jwk("RSA", None, Some("RS256")), TESSERA).unwrap();
        assert_eq!(rsa.algorithms, [Algorithm::RS256]);
        let ed =
            VerifyingKey::from_jwk(&jwk("OKP", Some("Ed25519"), Some("EdDSA")), TESSERA).unwrap();
        assert_eq!(ed.algorithms, [Algorithm::EdDSA]);
    }

    #[test]
    fn refuses_mismatched_or_unsupported_keys() {
        let from = |k: &Jwk| VerifyingKey::from_jwk(k, TESSERA);
        assert!(from(&jwk("EC", Some("P-256"), Some("RS256"))).is_err());
        assert!(from(&jwk("EC", Some("P-384"), None)).is_err());
        assert!(from(&jwk("oct", None, Some("HS256"))).is_err());
        let mut enc = jwk("EC", Some("P-256"), None);
        enc.use_ = Some("enc".to_owned());
        assert!(from(&enc).is_err());
    }

    #[test]
    fn an_rsa_key_without_alg_serves_each_allowed_rsa_algorithm() {
        let mut rsa = jwk("RSA", None, None);
        rsa.alg = None;
        let key = VerifyingKey::from_jwk(&rsa, &crate::ASYMMETRIC_ALGORITHMS).unwrap();
        assert_eq!(key.algorithms.len(), 6);
        assert!(!key.algorithms.contains(&Algorithm::HS256));
        // The policy narrows it: Tessera's own list has RS256 only.
        let key = VerifyingKey::from_jwk(&rsa, TESSERA).unwrap();
        assert_eq!(key.algorithms, [Algorithm::RS256]);
    }
}
