//! The token endpoint's form parser (`tessera_domain::form::decode`, behind the server's
//! `oauth::form::Params`): any bytes either decode or are refused with a reason, and what
//! decodes survives a serialize-and-decode round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tessera_domain::form::{FormError, decode};

fuzz_target!(|data: &[u8]| {
    match decode(data) {
        Ok(params) => {
            let encoded = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(params.iter())
                .finish();
            let again = decode(encoded.as_bytes());
            assert_eq!(again.as_ref(), Ok(&params), "round trip of {encoded:?}");
        }
        Err(FormError::Repeated(name)) => assert!(name.chars().count() <= 60),
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
