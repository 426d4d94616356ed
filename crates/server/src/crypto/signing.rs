//! Signing keys: generation (ES256, RS256, EdDSA), the public JWK, and the signer built from a
//! decrypted PKCS#8 document.

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, RSA_PKCS1_SHA256,
    RsaKeyPair,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tessera_domain::signing_key::SigningAlg;
use tessera_oauth_types::Jwk;

use super::CryptoError;

/// A private key ready to sign.
pub enum Signer {
    /// ECDSA P-256.
    Es256(EcdsaKeyPair),
    /// RSA PKCS#1 v1.5 with SHA-256.
    Rs256(RsaKeyPair),
    /// Ed25519.
    EdDsa(Ed25519KeyPair),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Es256(_) => "Signer(ES256)",
            Self::Rs256(_) => "Signer(RS256)",
            Self::EdDsa(_) => "Signer(EdDSA)",
        })
    }
}

/// A freshly generated key: the PKCS#8 private key (to be encrypted) and its public JWK.
pub struct GeneratedKey {
    /// PKCS#8 v1 DER.
    pub pkcs8: Vec<u8>,
    /// Public JWK with `kid`, `alg` and `use`.
    pub jwk: Jwk,
}

impl std::fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("jwk", &self.jwk)
            .finish_non_exhaustive()
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn jwk_base(kty: &str, kid: &str, alg: SigningAlg) -> Jwk {
    Jwk {
        kty: kty.to_owned(),
        kid: kid.to_owned(),
        use_: Some("sig".to_owned()),
        alg: Some(alg.as_str().to_owned()),
        crv: None,
        x: None,
        y: None,
        n: None,
        e: None,
    }
}

/// Generates a key pair for `alg` with key id `kid`.
///
/// # Errors
/// When the crypto library fails to generate.
pub fn generate(alg: SigningAlg, kid: &str) -> Result<GeneratedKey, CryptoError> {
    let failed = |_| CryptoError::Operation("key generation");
    let signer = match alg {
        SigningAlg::ES256 => {
            let kp = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).map_err(failed)?;
            let pkcs8 = kp.to_pkcs8v1().map_err(failed)?.as_ref().to_vec();
            (pkcs8, Signer::Es256(kp))
        }
        SigningAlg::RS256 => {
            let kp = RsaKeyPair::generate(KeySize::Rsa2048).map_err(failed)?;
            let pkcs8 = kp.as_der().map_err(failed)?.as_ref().to_vec();
            (pkcs8, Signer::Rs256(kp))
        }
        SigningAlg::EdDSA => {
            let kp = Ed25519KeyPair::generate().map_err(failed)?;
            let pkcs8 = kp.to_pkcs8().map_err(failed)?.as_ref().to_vec();
            (pkcs8, Signer::EdDsa(kp))
        }
    };
    let jwk = signer.1.public_jwk(kid);
    Ok(GeneratedKey {
        pkcs8: signer.0,
        jwk,
    })
}

impl Signer {
    /// Parses a PKCS#8 private key for `alg`.
    ///
    /// # Errors
    /// When the bytes are not a key of that algorithm.
    pub fn from_pkcs8(alg: SigningAlg, pkcs8: &[u8]) -> Result<Self, CryptoError> {
        let bad =
            |_| CryptoError::Unreadable("private key does not parse as PKCS#8 of its algorithm");
        Ok(match alg {
            SigningAlg::ES256 => Self::Es256(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).map_err(bad)?,
            ),
            SigningAlg::RS256 => Self::Rs256(RsaKeyPair::from_pkcs8(pkcs8).map_err(bad)?),
            SigningAlg::EdDSA => Self::EdDsa(Ed25519KeyPair::from_pkcs8(pkcs8).map_err(bad)?),
        })
    }

    /// The algorithm.
    #[must_use]
    pub const fn alg(&self) -> SigningAlg {
        match self {
            Self::Es256(_) => SigningAlg::ES256,
            Self::Rs256(_) => SigningAlg::RS256,
            Self::EdDsa(_) => SigningAlg::EdDSA,
        }
    }

    /// The public key as a JWK.
    #[must_use]
    pub fn public_jwk(&self, kid: &str) -> Jwk {
        match self {
            Self::Es256(kp) => {
                // Uncompressed SEC1 point: 0x04 || X (32) || Y (32).
                let point = kp.public_key().as_ref();
                let mut jwk = jwk_base("EC", kid, SigningAlg::ES256);
                jwk.crv = Some("P-256".to_owned());
                jwk.x = point.get(1..33).map(b64);
                jwk.y = point.get(33..65).map(b64);
                jwk
            }
            Self::Rs256(kp) => {
                let public = kp.public_key();
                let mut jwk = jwk_base("RSA", kid, SigningAlg::RS256);
                jwk.n = Some(b64(public.modulus().big_endian_without_leading_zero()));
                jwk.e = Some(b64(public.exponent().big_endian_without_leading_zero()));
                jwk
            }
            Self::EdDsa(kp) => {
                let mut jwk = jwk_base("OKP", kid, SigningAlg::EdDSA);
                jwk.crv = Some("Ed25519".to_owned());
                jwk.x = Some(b64(kp.public_key().as_ref()));
                jwk
            }
        }
    }

    /// Signs `msg` (the JWS signing input), returning the JWS signature bytes.
    ///
    /// # Errors
    /// When the crypto library fails.
    pub fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let failed = |_| CryptoError::Operation("signing");
        match self {
            // JWS ES256 wants the fixed-size r||s form, not DER (RFC 7518 §3.4).
            Self::Es256(kp) => Ok(kp
                .sign(&SystemRandom::new(), msg)
                .map_err(failed)?
                .as_ref()
                .to_vec()),
            Self::Rs256(kp) => {
                let mut sig = vec![0u8; kp.public_modulus_len()];
                kp.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), msg, &mut sig)
                    .map_err(failed)?;
                Ok(sig)
            }
            Self::EdDsa(kp) => Ok(kp.sign(msg).as_ref().to_vec()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_generates_reloads_and_signs() {
        for alg in [SigningAlg::ES256, SigningAlg::RS256, SigningAlg::EdDSA] {
            let g = generate(alg, "k1").unwrap();
            let s = Signer::from_pkcs8(alg, &g.pkcs8).unwrap();
            assert_eq!(s.public_jwk("k1"), g.jwk);
            assert!(!s.sign(b"msg").unwrap().is_empty());
            assert!(Signer::from_pkcs8(alg, b"garbage").is_err());
        }
    }
}
