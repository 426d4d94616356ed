//! The Security Details page's choice of application (**Assign to a client application**) over
//! HTTP, as a browser without script sees it: one searched page of applications at a time,
//! however many the partition has, with a GET search form and Previous/Next links.

use reqwest::Method;
use serde_json::json;

use crate::code_flow_support::{Browser, Page, unescape};
use crate::support::{ADMIN_PASSWORD, Backend, PARTITION, TestServer, postgres_url};

/// The operation whose Security Details page is opened (in every partition's catalog).
const DETAILS: &str = "/apis/knowledge-portalmgr-v4/operations/getAllPortals";

/// Applications added beside the provisioned ones: more than one page of 25.
const ADDED: usize = 30;

/// A browser signed in to the console as the partition's first administrator.
async fn signed_in(s: &TestServer) -> Browser {
    // As `tessera serve` does at start: the console's built-in client, at this address.
    tessera_server::ensure_console_clients(&s.state)
        .await
        .unwrap();
    let b = Browser::new();
    let start = b.get(&format!("{}/admin/{PARTITION}/apis", s.base)).await;
    let to = start.location().expect("a sign-in redirect").to_owned();
    let to = if to.starts_with('/') {
        format!("{}{to}", s.base)
    } else {
        to
    };
    let form = b.get(&to).await.login_form();
    let done = b.submit(&form, "pa", ADMIN_PASSWORD).await;
    assert_eq!(done.status, 303, "{:?}", done.alert());
    let back = b.get(done.location().expect("the callback")).await;
    assert_eq!(back.status, 200, "{}", back.body);
    b
}

/// The application names offered by the page's choice, in order.
fn offered(page: &Page) -> Vec<String> {
    let Some(start) = page.body.find("<select id=\"assign-client\"") else {
        return Vec::new();
    };
    let select = &page.body[start..];
    let select = &select[..select.find("</select>").expect("the select's end")];
    select
        .split("<option value=\"")
        .skip(2) // before the first option, and the empty "Choose an application"
        .map(|o| {
            let text = &o[o.find('>').expect("option text") + 1..];
            unescape(&text[..text.find(" (").expect("the platform")])
        })
        .collect()
}

/// The `href` of the pager link with `rel`.
fn pager_link(page: &Page, rel: &str) -> Option<String> {
    let end = page.body.find(&format!("\" rel=\"{rel}\">"))?;
    let start = page.body[..end].rfind("href=\"")? + "href=\"".len();
    Some(unescape(&page.body[start..end]))
}

/// The value of the hidden input `name` of the assign form.
fn hidden(page: &Page, name: &str) -> String {
    let form = &page.body[page.body.find("method=\"post\"").expect("the assign form")..];
    let at = form.find(&format!("name=\"{name}\" value=\"")).expect(name) + name.len() + 15;
    unescape(&form[at..at + form[at..].find('"').expect("value end")])
}

async fn the_choice_is_one_searched_page(backend: Backend) {
    let s = TestServer::start_on(backend).await;
    let mut ids = Vec::new();
    for i in 1..=ADDED {
        let (st, c) = s
            .admin_json(
                Method::POST,
                "/client-applications",
                Some(json!({"name": format!("Picker app {i:02}"), "platform": "web", "redirect_urls": ["https://app.example/cb"]})),
            )
            .await;
        assert_eq!(st, 201, "{c}");
        ids.push(c["client_id"].as_str().unwrap().to_owned());
    }
    let b = signed_in(&s).await;
    let details = format!("{}/admin/{PARTITION}{DETAILS}", s.base);

    // The first page: 25 applications at most (the built-in console is never offered), and a
    // way on; the last ones added are on the next page.
    let first = b.get(&format!("{details}?scheme=oAuthClient")).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let names = offered(&first);
    assert!(!names.is_empty() && names.len() <= 25, "{names:?}");
    assert!(names.contains(&"Picker app 01".to_owned()), "{names:?}");
    assert!(!names.contains(&format!("Picker app {ADDED}")), "{names:?}");
    assert!(first.body.contains("Page 1 of 2"), "{}", first.body);
    assert!(pager_link(&first, "prev").is_none());
    let next = pager_link(&first, "next").expect("a Next link");
    assert!(
        next.contains("scheme=oAuthClient"),
        "the scheme is kept: {next}"
    );
    let second = b.get(&format!("{}{next}", s.base)).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let more = offered(&second);
    assert!(more.contains(&format!("Picker app {ADDED}")), "{more:?}");
    assert!(more.iter().all(|n| !names.contains(n)), "{more:?} again");
    assert!(pager_link(&second, "prev").is_some() && pager_link(&second, "next").is_none());
    // A page past the end shows the last one.
    let past = b
        .get(&format!("{details}?scheme=oAuthClient&page=99"))
        .await;
    assert_eq!(offered(&past), more);

    // The search narrows the choice (ignoring case), in one page.
    let found = b
        .get(&format!("{details}?scheme=oAuthClient&q=PICKER+APP+07"))
        .await;
    assert_eq!(offered(&found), ["Picker app 07"]);
    assert!(pager_link(&found, "next").is_none());
    let none = b
        .get(&format!("{details}?scheme=oAuthClient&q=no+such+app"))
        .await;
    assert!(offered(&none).is_empty());
    assert!(
        none.body
            .contains("No client application’s name contains “no such app”."),
        "{}",
        none.body
    );

    // An assignment made from a search keeps the search, and the application stays chosen.
    let done = b
        .post_form(
            &format!("{details}/assign"),
            &[
                ("csrf", hidden(&found, "csrf").as_str()),
                ("scheme", "oAuthClient"),
                ("q", hidden(&found, "q").as_str()),
                ("page", hidden(&found, "page").as_str()),
                ("client_id", ids[6].as_str()),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body
            .contains("Assigned to <strong>Picker app 07</strong>"),
        "{}",
        done.body
    );
    assert_eq!(offered(&done), ["Picker app 07"]);
    assert!(
        done.body
            .contains(&format!("<option value=\"{}\" selected>", ids[6])),
        "{}",
        done.body
    );
}

#[tokio::test]
async fn the_choice_is_one_searched_page_on_sqlite() {
    the_choice_is_one_searched_page(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_choice_is_one_searched_page_on_postgres() {
    if postgres_url().is_some() {
        the_choice_is_one_searched_page(Backend::Postgres).await;
    }
}
