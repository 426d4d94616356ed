//! JWS compact serialization of tokens (RFC 7515 §7.1). Only encoding lives here; the signature
//! itself comes from [`Signer`].

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use super::CryptoError;
use super::signing::Signer;

/// A signing key with its pre-encoded protected header, so issuing a token serializes only the
/// claims (the header is the same for every token the key signs).
#[derive(Debug)]
pub struct JwsKey {
    /// Key id.
    pub kid: String,
    signer: std::sync::Arc<Signer>,
    header_b64: String,
}

impl JwsKey {
    /// Prepares `signer` to sign tokens of type `typ` (e.g. `at+jwt`, RFC 9068 §2.1).
    #[must_use]
    pub fn new(kid: String, signer: Signer, typ: &str) -> Self {
        Self::with_shared(kid, std::sync::Arc::new(signer), typ)
    }

    /// The same private key for tokens of another `typ` (ID tokens beside access tokens),
    /// without decrypting and parsing it again.
    #[must_use]
    pub fn retyped(&self, typ: &str) -> Self {
        Self::with_shared(self.kid.clone(), self.signer.clone(), typ)
    }

    fn with_shared(kid: String, signer: std::sync::Arc<Signer>, typ: &str) -> Self {
        #[derive(Serialize)]
        struct Header<'a> {
            alg: &'a str,
            typ: &'a str,
            kid: &'a str,
        }
        let header = Header {
            alg: signer.alg().as_str(),
            typ,
            kid: &kid,
        };
        // Serializing three string fields cannot fail.
        let json = serde_json::to_vec(&header).unwrap_or_default();
        Self {
            kid,
            signer,
            header_b64: URL_SAFE_NO_PAD.encode(json),
        }
    }

    /// The signer.
    #[must_use]
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Signs `claims` into a compact JWS.
    ///
    /// # Errors
    /// When serialization or signing fails.
    pub fn sign<C: Serialize>(&self, claims: &C) -> Result<String, CryptoError> {
        let payload = serde_json::to_vec(claims)
            .map_err(|_| CryptoError::Operation("claims serialization"))?;
        let mut out = String::with_capacity(self.header_b64.len() + payload.len() * 4 / 3 + 100);
        out.push_str(&self.header_b64);
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut out);
        let sig = self.signer.sign(out.as_bytes())?;
        out.push('.');
        URL_SAFE_NO_PAD.encode_string(&sig, &mut out);
        Ok(out)
    }
}
