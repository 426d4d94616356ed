//! The OpenAPI import (`tessera_catalog::import_openapi`): any document is either refused with
//! at least one problem or yields permissions and APIs that pass the domain's own validation,
//! as the provisioner that stores them requires.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use tessera_catalog::{ImportOptions, import_openapi};
use tessera_domain::permission::Hub;

fuzz_target!(|data: &[u8]| {
    let Some((options, document)) = data.split_first() else {
        return;
    };
    let Ok(document) = std::str::from_utf8(document) else {
        return;
    };
    let options = ImportOptions {
        api_url: "https://api.acme.test".into(),
        permission_prefix: (options & 1 == 1).then(|| "https://api.acme.test/auth/".into()),
        api_id: None,
        default_hub: (options & 2 == 2).then_some(Hub::Knowledge),
        base_path: (options & 4 == 4).then(|| "/knowledge/portalmgr/v4".into()),
    };
    match import_openapi(document, &options) {
        Ok(data) => {
            let mut by_name = HashMap::new();
            for (i, p) in data.permissions.iter().enumerate() {
                if let Err(e) = p.validate(&format!("permissions[{i}]")) {
                    panic!("imported permission {p:?} is invalid: {e:?}");
                }
                assert!(
                    by_name.insert(p.name.clone(), p.clone()).is_none(),
                    "permission {} imported twice",
                    p.name
                );
            }
            for api in &data.apis {
                if let Err(e) = api.validate(&by_name) {
                    panic!("imported API {} is invalid: {e:?}", api.id);
                }
            }
        }
        Err(e) => assert!(!e.problems().is_empty()),
    }
});
