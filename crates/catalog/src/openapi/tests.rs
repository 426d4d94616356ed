//! Tests of the OpenAPI import: a real-sized document modelled on the Knowledge Portal Manager v4
//! bundle, then every kind of bad input, each with its precise message.

use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;
use tessera_domain::api::Api;
use tessera_domain::permission::{DEFAULT_SCOPE, Hub, Permission, PermissionKind};
use tessera_oauth_types::SecurityScheme;

use super::*;

const FIXTURE: &str = include_str!("../../fixtures/knowledge-portalmgr-v4.openapi.yaml");

fn opts() -> ImportOptions {
    ImportOptions {
        api_url: "https://api.example.test/".to_owned(),
        permission_prefix: Some("https://api.egain.cloud/auth/".to_owned()),
        ..ImportOptions::default()
    }
}

fn import(doc: &str) -> Result<CatalogData, ImportError> {
    import_openapi(doc, &opts())
}

/// The problems as `(field, message)` pairs.
fn problems(doc: &str) -> Vec<(String, String)> {
    problems_with(doc, &opts())
}

fn problems_with(doc: &str, options: &ImportOptions) -> Vec<(String, String)> {
    match import_openapi(doc, options) {
        Ok(data) => panic!("expected problems, imported {data:?}"),
        Err(e) => e
            .problems()
            .iter()
            .map(|p| (p.field.clone(), p.message.clone()))
            .collect(),
    }
}

/// Asserts exactly one problem, under `field`, whose message contains `needle`.
fn assert_problem(found: &[(String, String)], field: &str, needle: &str) {
    assert!(
        found.iter().any(|(f, m)| f == field && m.contains(needle)),
        "expected {field:?} ~ {needle:?} in {found:#?}"
    );
}

/// A small valid document with the given security schemes and paths (YAML, indented to fit).
fn doc(schemes: &str, paths: &str) -> String {
    format!(
        "openapi: 3.1.0\ninfo:\n  title: Test API\n  version: '1'\nservers:\n  - url: https://api.example.test/knowledge/test/v1\ncomponents:\n  securitySchemes:\n{schemes}paths:\n{paths}"
    )
}

const USER_SCHEME: &str = "    oAuthUser:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://login.example/authorize
          tokenUrl: https://login.example/token
          scopes:
            https://api.egain.cloud/auth/knowledge.test.read: Read the test objects.
";

const CLIENT_SCHEME: &str = "    oAuthClient:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://login.example/token
          scopes:
            https://api.egain.cloud/auth/.default: Every assigned application permission.
            https://api.egain.cloud/auth/app.knowledge.test.read: Read the test objects as the client.
";

const BEARER_SCHEME: &str = "    bearerAuth:
      type: http
      scheme: bearer
      bearerFormat: JWT
";

fn one_op(security: &str) -> String {
    format!(
        "  /things:\n    get:\n      operationId: getThings\n      summary: Get things\n      security:\n{security}      responses:\n        '200':\n          description: OK\n"
    )
}

// ---------------------------------------------------------------- the real-sized document

#[test]
fn imports_the_portal_manager_bundle() {
    let data = import(FIXTURE).unwrap();
    assert_eq!(data.apis.len(), 1);
    let api = &data.apis[0];
    assert_eq!(api.id, "knowledge-portal-manager-apis-4.0.0");
    assert_eq!(api.name, "Knowledge Portal Manager APIs");
    assert_eq!(api.hub, Hub::Knowledge);
    assert_eq!(api.base_path, "/knowledge/portalmgr/v4");
    assert_eq!(
        api.audience,
        "https://api.example.test/knowledge/portalmgr/v4"
    );
    assert_eq!(api.operations.len(), 75);
    // Document order, not alphabetical.
    assert_eq!(api.operations[0].operation_id, "getAllPortals");
    assert_eq!(api.operations[1].operation_id, "getPortalDetailsById");

    let perms: BTreeMap<&str, &Permission> = data
        .permissions
        .iter()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let expected = [
        ("knowledge.portalmgr.read", PermissionKind::Delegated, true),
        (
            "knowledge.portalmgr.manage",
            PermissionKind::Delegated,
            true,
        ),
        (
            "knowledge.portalmgr.onbehalfof.read",
            PermissionKind::DelegatedObo,
            false,
        ),
        (
            "knowledge.portalmgr.onbehalfof.manage",
            PermissionKind::DelegatedObo,
            false,
        ),
    ];
    assert_eq!(perms.len(), expected.len(), "{perms:#?}");
    for (name, kind, anonymous) in expected {
        let p = perms[name];
        assert_eq!(p.kind, kind, "{name}");
        assert_eq!(p.anonymous, anonymous, "{name}");
        assert_eq!(p.hub, Hub::Knowledge);
        assert!(p.description.ends_with('.'), "{name}: {:?}", p.description);
    }
    // The first declaration's description wins.
    assert_eq!(
        perms["knowledge.portalmgr.read"].description,
        "Read knowledge portals, articles and topics as the signed-in user."
    );

    let mut usage: HashMap<SecurityScheme, usize> = HashMap::new();
    for op in &api.operations {
        for req in &op.security {
            *usage.entry(req.scheme).or_default() += 1;
        }
    }
    assert_eq!(usage[&SecurityScheme::OAuthUser], 63);
    assert_eq!(usage[&SecurityScheme::OAuthOnBehalfOfUser], 62);
    assert_eq!(usage[&SecurityScheme::OAuthCustomer], 56);
    assert_eq!(usage[&SecurityScheme::OAuthOnBehalfOfCustomer], 51);
    assert_eq!(usage[&SecurityScheme::OAuthAnonymousCustomer], 39);
    assert_eq!(usage[&SecurityScheme::OAuthClient], 12);

    let op = |id: &str| {
        api.operations
            .iter()
            .find(|o| o.operation_id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    // Client-only, with bearerAuth skipped.
    let editions = op("getArticleEditionDetails");
    assert_eq!(editions.method, "GET");
    assert_eq!(
        editions.path,
        "/portals/{portalID}/articles/{articleID}/editions/{editionID}"
    );
    assert_eq!(editions.summary, "Get article with editions");
    assert_eq!(editions.security.len(), 1);
    assert_eq!(editions.security[0].scheme, SecurityScheme::OAuthClient);
    assert_eq!(editions.security[0].scopes, [DEFAULT_SCOPE]);
    // Inherits the document-level security.
    let settings = op("getPortalSettings");
    assert_eq!(settings.security.len(), 5);
    assert_eq!(
        settings.security[4].scheme,
        SecurityScheme::OAuthAnonymousCustomer
    );
    assert_eq!(settings.security[4].scopes, ["knowledge.portalmgr.read"]);
    // Read endpoint: delegated `.read` and OBO `.onbehalfof.read`.
    let article = op("getArticleById");
    let by_scheme: HashMap<SecurityScheme, &[String]> = article
        .security
        .iter()
        .map(|r| (r.scheme, r.scopes.as_slice()))
        .collect();
    assert_eq!(
        by_scheme[&SecurityScheme::OAuthUser],
        ["knowledge.portalmgr.read"]
    );
    assert_eq!(
        by_scheme[&SecurityScheme::OAuthOnBehalfOfCustomer],
        ["knowledge.portalmgr.onbehalfof.read"]
    );
    // Agent-only.
    assert!(op("addToReply").security.iter().all(|r| matches!(
        r.scheme,
        SecurityScheme::OAuthUser | SecurityScheme::OAuthOnBehalfOfUser
    )));
    // Same path, two methods.
    assert_eq!(op("search").method, "GET");
    assert_eq!(op("searchWithContext").method, "POST");
    assert_eq!(op("searchWithContext").path, op("search").path);

    let by_name: HashMap<String, Permission> = data
        .permissions
        .iter()
        .map(|p| (p.name.clone(), p.clone()))
        .collect();
    for api in &data.apis {
        api.validate(&by_name).unwrap();
    }
    for p in &data.permissions {
        p.validate("").unwrap();
    }
}

#[test]
fn scope_urls_shorten_with_any_prefix() {
    let expected = import(FIXTURE).unwrap();
    for prefix in [
        None,
        Some("https://tessera.example/auth/"),
        Some(String::new().as_str()),
    ] {
        let options = ImportOptions {
            permission_prefix: prefix.map(str::to_owned),
            ..opts()
        };
        assert_eq!(
            import_openapi(FIXTURE, &options).unwrap(),
            expected,
            "{prefix:?}"
        );
    }
    // Platform placeholders (`${SCOPE_PREFIX}`) are dropped.
    let placeholders = FIXTURE.replace("https://api.egain.cloud/auth/", "${SCOPE_PREFIX}");
    assert_eq!(import(&placeholders).unwrap(), expected);
}

#[test]
fn the_same_document_as_json_imports_the_same_operations() {
    let value: serde_json::Value = serde_norway::from_str(FIXTURE).unwrap();
    let json = serde_json::to_string_pretty(&value).unwrap();
    let from_json = import(&json).unwrap();
    let from_yaml = import(FIXTURE).unwrap();
    let key = |d: &CatalogData| {
        let mut ops: Vec<_> = d.apis[0]
            .operations
            .iter()
            .map(|o| {
                (
                    o.operation_id.clone(),
                    o.method.clone(),
                    o.path.clone(),
                    o.security.clone(),
                )
            })
            .collect();
        ops.sort_by(|a, b| a.0.cmp(&b.0));
        ops
    };
    assert_eq!(key(&from_json), key(&from_yaml));
    // serde_json sorts the schemes by name, so another scheme's description comes first.
    let perms = |d: &CatalogData| {
        let mut p: Vec<_> = d
            .permissions
            .iter()
            .map(|p| (p.name.clone(), p.hub, p.kind, p.anonymous))
            .collect();
        p.sort();
        p
    };
    assert_eq!(perms(&from_json), perms(&from_yaml));
}

#[test]
fn options_override_id_hub_and_base_path() {
    let options = ImportOptions {
        api_id: Some("kpm".to_owned()),
        base_path: Some("/kb/portal/v4/".to_owned()),
        default_hub: Some(Hub::Core),
        ..opts()
    };
    let data = import_openapi(FIXTURE, &options).unwrap();
    let api: &Api = &data.apis[0];
    assert_eq!(api.id, "kpm");
    assert_eq!(api.base_path, "/kb/portal/v4");
    assert_eq!(api.audience, "https://api.example.test/kb/portal/v4");
    // The hub comes from the option when the base path does not name one; the permissions'
    // names still name theirs.
    assert_eq!(api.hub, Hub::Core);
    assert!(data.permissions.iter().all(|p| p.hub == Hub::Knowledge));
}

// ---------------------------------------------------------------- smaller documents

#[test]
fn non_oauth2_schemes_are_skipped() {
    let security = "        - bearerAuth: []\n        - oAuthUser:\n            - knowledge.test.read\n          bearerAuth: []\n";
    let data = import(&doc(
        &format!("{USER_SCHEME}{BEARER_SCHEME}"),
        &one_op(security),
    ))
    .unwrap();
    let op = &data.apis[0].operations[0];
    assert_eq!(op.security.len(), 1);
    assert_eq!(op.security[0].scheme, SecurityScheme::OAuthUser);
    assert_eq!(op.security[0].scopes, ["knowledge.test.read"]);
    // Only a bearer scheme: no OAuth alternative is left.
    let data = import(&doc(
        &format!("{USER_SCHEME}{BEARER_SCHEME}"),
        &one_op("        - bearerAuth: []\n"),
    ))
    .unwrap();
    assert!(data.apis[0].operations[0].security.is_empty());
}

#[test]
fn client_scheme_takes_default_and_application_permissions() {
    let security = "        - oAuthClient:\n            - https://api.egain.cloud/auth/.default\n        - oAuthClient:\n            - app.knowledge.test.read\n";
    let data = import(&doc(CLIENT_SCHEME, &one_op(security))).unwrap();
    assert_eq!(data.permissions.len(), 1);
    assert_eq!(data.permissions[0].name, "app.knowledge.test.read");
    assert_eq!(data.permissions[0].kind, PermissionKind::Application);
    let op = &data.apis[0].operations[0];
    assert_eq!(op.security[0].scopes, [DEFAULT_SCOPE]);
    assert_eq!(op.security[1].scopes, ["app.knowledge.test.read"]);
}

#[test]
fn generic_oauth2_schemes_map_by_flow() {
    let schemes = "    oauth2:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://login.example/authorize
          tokenUrl: https://login.example/token
          scopes:
            knowledge.test.read: Read.
    machine:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://login.example/token
          scopes:
            app.knowledge.test.read: Read as the client.
";
    let security =
        "        - oauth2: [knowledge.test.read]\n        - machine: [app.knowledge.test.read]\n";
    let data = import(&doc(schemes, &one_op(security))).unwrap();
    let op = &data.apis[0].operations[0];
    assert_eq!(op.security[0].scheme, SecurityScheme::OAuthUser);
    assert_eq!(op.security[1].scheme, SecurityScheme::OAuthClient);
}

#[test]
fn unknown_scheme_names_are_errors() {
    let schemes = "    oauthUser:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://login.example/authorize
          tokenUrl: https://login.example/token
          scopes: {}
    obo:
      type: oauth2
      flows:
        password:
          tokenUrl: https://login.example/token
          scopes: {}
";
    let found = problems(&doc(schemes, &one_op("        - oauthUser: []\n")));
    assert_problem(
        &found,
        "components.securitySchemes.oauthUser",
        "did you mean oAuthUser?",
    );
    assert_problem(
        &found,
        "components.securitySchemes.obo",
        "is not one of the platform's scheme names",
    );
    // The broken scheme is reported once, not again where it is used.
    assert_eq!(found.len(), 2, "{found:#?}");
    // A requirement naming a scheme that is not defined.
    let found = problems(&doc(USER_SCHEME, &one_op("        - oAuthCustomer: []\n")));
    assert_problem(
        &found,
        "paths[\"/things\"].get.security[0].oAuthCustomer",
        "components.securitySchemes does not define",
    );
}

#[test]
fn an_alternative_naming_two_schemes_is_an_error_naming_the_operation() {
    let security =
        "        - oAuthUser: [knowledge.test.read]\n          oAuthClient: [.default]\n";
    let found = problems(&doc(
        &format!("{USER_SCHEME}{CLIENT_SCHEME}"),
        &one_op(security),
    ));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_problem(
        &found,
        "paths[\"/things\"].get.security[0]",
        "operation getThings (GET /things): this alternative names oAuthUser and oAuthClient together",
    );
}

#[test]
fn scopes_must_be_declared_and_suit_their_scheme() {
    let found = problems(&doc(
        USER_SCHEME,
        &one_op("        - oAuthUser: [knowledge.test.manage]\n"),
    ));
    assert_problem(
        &found,
        "paths[\"/things\"].get.security[0].oAuthUser[0]",
        "scope \"knowledge.test.manage\" is not declared in the flows of components.securitySchemes.oAuthUser (declared: knowledge.test.read)",
    );
    let schemes = "    oAuthClient:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://login.example/token
          scopes:
            knowledge.test.read: Read.
    oAuthOnBehalfOfUser:
      type: oauth2
      flows:
        password:
          tokenUrl: https://login.example/token
          scopes:
            knowledge.test.read: Read.
            .default: All.
";
    let found = problems(&doc(schemes, &one_op("        - oAuthClient: []\n")));
    let base = "components.securitySchemes";
    assert_problem(
        &found,
        &format!("{base}.oAuthClient.flows.clientCredentials.scopes[\"knowledge.test.read\"]"),
        "is a delegated permission, but oAuthClient tokens carry only application permissions",
    );
    assert_problem(
        &found,
        &format!("{base}.oAuthOnBehalfOfUser.flows.password.scopes[\"knowledge.test.read\"]"),
        "oAuthOnBehalfOfUser tokens carry only on-behalf-of permissions",
    );
    assert_problem(
        &found,
        &format!("{base}.oAuthOnBehalfOfUser.flows.password.scopes[\".default\"]"),
        "belongs only to oAuthClient",
    );
}

#[test]
fn permission_names_and_hubs_are_checked() {
    let schemes = "    oAuthUser:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://login.example/authorize
          tokenUrl: https://login.example/token
          scopes:
            Knowledge.Test.Read: Read.
            https://idp.example/api: Opaque.
            billing.invoices.read: Read invoices.
";
    let found = problems(&doc(schemes, &one_op("        - oAuthUser: []\n")));
    let scopes = "components.securitySchemes.oAuthUser.flows.authorizationCode.scopes";
    assert_problem(
        &found,
        &format!("{scopes}[\"Knowledge.Test.Read\"]"),
        "cannot tell the hub",
    );
    assert_problem(
        &found,
        &format!("{scopes}[\"https://idp.example/api\"]"),
        "cannot derive a permission name",
    );
    assert_problem(
        &found,
        &format!("{scopes}[\"billing.invoices.read\"]"),
        "cannot tell the hub of permission \"billing.invoices.read\"",
    );
    // With a default hub, the hub is known and the naming rules speak.
    let options = ImportOptions {
        default_hub: Some(Hub::Core),
        ..opts()
    };
    let found = problems_with(
        &doc(schemes, &one_op("        - oAuthUser: []\n")),
        &options,
    );
    assert_problem(
        &found,
        &format!("{scopes}[\"Knowledge.Test.Read\"]"),
        "permission \"Knowledge.Test.Read\": name must be dot-separated lowercase segments",
    );
    assert!(
        !found.iter().any(|(_, m)| m.contains("billing")),
        "{found:#?}"
    );
}

#[test]
fn operation_ids_are_generated_and_must_be_unique() {
    let paths = "  /portals/{portalID}/articles:
    get:
      responses: {}
    post:
      operationId: get_portals_portalid_articles
      responses: {}
  /other:
    get:
      operationId: dup
      responses: {}
    put:
      operationId: dup
      responses: {}
    parameters: []
    summary: path-level keys are not operations
";
    let found = problems(&doc(USER_SCHEME, paths));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_problem(
        &found,
        "paths[\"/other\"].put.operationId",
        "\"dup\" is also the operationId of GET /other",
    );
    let data = import(&doc(
        USER_SCHEME,
        &paths.replace(
            "operationId: dup\n      responses: {}\n    parameters",
            "responses: {}\n    parameters",
        ),
    ))
    .unwrap();
    let ids: Vec<&str> = data.apis[0]
        .operations
        .iter()
        .map(|o| o.operation_id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "get_portals_portalid_articles_2",
            "get_portals_portalid_articles",
            "dup",
            "put_other"
        ]
    );
    assert!(data.apis[0].operations[0].security.is_empty());
}

#[test]
fn document_shape_errors_are_precise() {
    assert_problem(
        &problems("swagger: '2.0'\n"),
        "swagger",
        "convert the document to OpenAPI 3",
    );
    let found = problems("openapi: 2.5\ninfo: {}\n");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_problem(&found, "openapi", "must be a version string");
    assert_problem(
        &problems("openapi: '2.0'\n"),
        "openapi",
        "only OpenAPI 3.0 and 3.1",
    );
    let found = problems("openapi: 3.1.0\ninfo: {}\n");
    assert_problem(&found, "info.title", "is required");
    assert_problem(&found, "info.version", "is required");
    assert_problem(&found, "servers", "is missing");
    assert_problem(&found, "paths", "is required");
    let found = problems(&doc(
        USER_SCHEME,
        "  /x:\n    trace:\n      responses: {}\n  nope: {}\n",
    ));
    assert_problem(
        &found,
        "paths[\"/x\"].trace",
        "TRACE operations cannot be imported",
    );
    assert_problem(&found, "paths.nope", "a path must start with '/'");
    // Server URL without a path; the option fills in.
    let no_path = doc(USER_SCHEME, &one_op("        - oAuthUser: []\n")).replace(
        "https://api.example.test/knowledge/test/v1",
        "https://api.example.test",
    );
    assert_problem(&problems(&no_path), "servers[0].url", "has no path");
    let options = ImportOptions {
        base_path: Some("/knowledge/test/v1".to_owned()),
        ..opts()
    };
    assert!(import_openapi(&no_path, &options).is_ok());
    let options = ImportOptions {
        base_path: Some("no-slash".to_owned()),
        ..opts()
    };
    assert_problem(
        &problems_with(&no_path, &options),
        "base_path",
        "must start with '/'",
    );
    // Unresolved server variable.
    let var = no_path.replace(
        "https://api.example.test",
        "https://api.example.test/{area}/v1",
    );
    assert_problem(
        &problems(&var),
        "servers[0].url",
        "server variable ({area})",
    );
    // No API URL to build the audience from.
    let options = ImportOptions {
        api_url: String::new(),
        ..opts()
    };
    assert_problem(
        &problems_with(
            &doc(USER_SCHEME, &one_op("        - oAuthUser: []\n")),
            &options,
        ),
        "api_url",
        "the API's audience is built from it",
    );
    let options = ImportOptions {
        api_id: Some("bad id!".to_owned()),
        ..opts()
    };
    assert_problem(
        &problems_with(
            &doc(USER_SCHEME, &one_op("        - oAuthUser: []\n")),
            &options,
        ),
        "api_id",
        "must be 1-100 characters",
    );
}

#[test]
fn not_yaml_or_json() {
    assert_problem(&problems("{\"openapi\": "), "document", "is not valid JSON");
    assert_problem(
        &problems("openapi: [3.1\n"),
        "document",
        "is not valid YAML",
    );
    assert_problem(&problems("just some words"), "document", "not a string");
    assert_problem(&problems("- a\n- b\n"), "document", "not a list");
    assert_problem(&problems(""), "document", "is empty");
    assert_problem(
        &problems("a: 1\n---\nb: 2\n"),
        "document",
        "more than one document",
    );
    assert_problem(&problems("a: 1\n"), "openapi", "is required");
}

#[test]
fn oversized_documents_are_refused_before_parsing() {
    let big = format!(
        "{{\"openapi\": \"3.1.0\", \"x\": \"{}\"}}",
        "a".repeat(MAX_DOCUMENT_BYTES)
    );
    let found = problems(&big);
    assert_eq!(found.len(), 1);
    assert_problem(
        &found,
        "document",
        "documents over 5242880 bytes (5 MiB) are refused",
    );
}

#[test]
fn deep_nesting_and_alias_bombs_are_refused() {
    let deep_flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    assert_problem(
        &problems(&deep_flow),
        "document",
        "recursion limit exceeded",
    );
    let mut deep_block = String::new();
    for i in 0..500 {
        deep_block.push_str(&"  ".repeat(i));
        deep_block.push_str("a:\n");
    }
    assert_problem(
        &problems(&deep_block),
        "document",
        "recursion limit exceeded",
    );
    let deep_json = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
    assert_problem(
        &problems(&deep_json),
        "document",
        "recursion limit exceeded",
    );
    let laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
";
    let found = problems(laughs);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].0, "document");
    assert!(
        found[0].1.contains("repetition limit exceeded") || found[0].1.contains("too much data"),
        "{found:#?}"
    );
}

#[test]
fn too_many_operations() {
    let mut paths = String::new();
    for i in 0..=MAX_OPERATIONS {
        paths.push_str(&format!("  /p{i}:\n    get:\n      responses: {{}}\n"));
    }
    let found = problems(&doc(USER_SCHEME, &paths));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_problem(&found, "paths", "defines 2001 operations; at most 2000");
}

#[test]
fn problems_are_capped() {
    let mut paths = String::new();
    for i in 0..300 {
        paths.push_str(&format!("  p{i}:\n    get: {{}}\n"));
    }
    let found = problems(&doc(USER_SCHEME, &paths));
    assert_eq!(found.len(), 101);
    assert_problem(&found, "document", "200 more problem(s) not listed");
}

#[test]
fn import_error_converts_to_field_errors() {
    let err = import("swagger: '2.0'\n").unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("the OpenAPI document cannot be imported: 1 invalid field(s): swagger:"),
        "{text}"
    );
    let fields: tessera_domain::validation::FieldErrors = err.into();
    assert_eq!(fields.0[0].field, "swagger");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_text_never_panics(s in any::<String>()) {
        let _ = import(&s);
    }

    #[test]
    fn yamlish_text_never_panics(s in "[-a-z{}\\[\\]:&*!|>'\" \n#?,./$0-9]{0,300}") {
        let _ = import(&s);
    }

    #[test]
    fn damaged_documents_never_panic(at in 0usize..4000, cut in 0usize..200, insert in "[-a-zA-Z0-9{}\\[\\]:&*!'\" \n/.$]{0,40}") {
        let base = doc(
            &format!("{USER_SCHEME}{CLIENT_SCHEME}{BEARER_SCHEME}"),
            &one_op("        - oAuthUser: [knowledge.test.read]\n        - oAuthClient: [.default]\n        - bearerAuth: []\n"),
        );
        let mut chars: Vec<char> = base.chars().collect();
        let at = at.min(chars.len());
        let end = (at + cut).min(chars.len());
        chars.splice(at..end, insert.chars());
        let damaged: String = chars.into_iter().collect();
        let _ = import(&damaged);
    }
}

#[test]
fn a_large_document_imports() {
    // 26 copies of the bundle's operations under other paths: 1950 operations, about 2.6 MB.
    let (head, rest) = FIXTURE.split_once("\npaths:\n").unwrap();
    let (paths, components) = rest.split_once("\ncomponents:\n").unwrap();
    let mut doc = format!("{head}\npaths:\n");
    for i in 0..26 {
        let copy = format!("\n{paths}")
            .replace("\n  /", &format!("\n  /c{i}/"))
            .replace("operationId: ", &format!("operationId: c{i}_"));
        doc.push_str(&copy[1..]);
        doc.push('\n');
    }
    doc.push_str("components:\n");
    doc.push_str(components);
    assert!(doc.len() > 2_000_000, "{}", doc.len());
    let data = import(&doc).unwrap();
    assert_eq!(data.apis[0].operations.len(), 1950);
    assert_eq!(data.permissions.len(), 4);
}

#[test]
fn document_level_alternatives_are_checked_once() {
    let d = doc(
        &format!("{USER_SCHEME}{CLIENT_SCHEME}"),
        "  /a:\n    get:\n      responses: {}\n  /b:\n    get:\n      responses: {}\n",
    )
    .replace(
        "components:\n",
        "security:\n  - oAuthUser: [knowledge.test.read]\n    oAuthClient: [.default]\ncomponents:\n",
    );
    let found = problems(&d);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_problem(
        &found,
        "security[0]",
        "the document-level security: this alternative names oAuthUser and oAuthClient together",
    );
}
