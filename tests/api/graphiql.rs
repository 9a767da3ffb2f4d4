//! GraphiQL, served from the binary: a county intranet has no way out to a CDN, and a page
//! that loaded its scripts from one would run whatever the CDN served next to the tokens people
//! paste in.

use crate::helpers::*;

/// The page's policy, spelled out here rather than imported so that a change to it is seen.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                           img-src 'self' data:; font-src 'self' data:; base-uri 'none'; form-action 'none'; \
                           frame-ancestors 'none'";

/// Every `src="…"` and `href="…"` of the page, in order.
fn references(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (start, _) in page.match_indices(attribute) {
            let rest = &page[start + attribute.len()..];
            found.push(rest[..rest.find('"').expect("a closed attribute")].to_owned());
        }
    }
    found
}

async fn page(app: &TestApp) -> String {
    app.client.get(format!("{}/graphiql", app.address)).send().await.unwrap().text().await.unwrap()
}

#[tokio::test]
async fn the_page_loads_under_a_policy_that_allows_only_its_own_files() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/graphiql", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-security-policy"], PAGE_POLICY);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(!page.contains("<script>") && !page.contains("<style"), "no inline script or style: {page}");
    assert!(!page.contains("http://") && !page.contains("https://"), "no other host: {page}");
}

#[tokio::test]
async fn every_script_and_stylesheet_of_the_page_is_served_from_the_binary() {
    let app = spawn_app().await;
    let page = page(&app).await;
    let references = references(&page);
    let scripts = references.iter().filter(|path| path.ends_with(".js")).count();
    let stylesheets = references.iter().filter(|path| path.ends_with(".css")).count();
    // React, ReactDOM, GraphiQL and the start-up script; GraphiQL's styles and the page's.
    assert_eq!((scripts, stylesheets, references.len()), (4, 2, 6), "{page}");
    for path in &references {
        assert!(path.starts_with("/graphiql/assets/"), "a local path: {path}");
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        let expected = if path.ends_with(".js") { "text/javascript" } else { "text/css" };
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(expected), "{path}");
        // The path names one content for good (its hash is in it), so browsers keep it.
        assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"), "{path}");
        assert!(response.headers().contains_key("etag"), "{path}");
        if path.ends_with("/start.js") {
            let script = response.text().await.unwrap();
            assert!(!script.contains("http://") && !script.contains("https://"), "no other host: {script}");
            assert!(script.contains("url: '/graphql'"), "GraphiQL talks to this server: {script}");
            assert!(script.contains("shouldPersistHeaders: false"), "tokens stay out of localStorage: {script}");
        }
    }
}

#[tokio::test]
async fn a_browser_holding_a_file_revalidates_it_by_its_etag_and_an_old_path_is_not_found() {
    let app = spawn_app().await;
    let start = references(&page(&app).await).into_iter().find(|path| path.ends_with("/start.js")).unwrap();
    let url = format!("{}{start}", app.address);
    let first = app.client.get(&url).send().await.unwrap();
    let etag = first.headers()["etag"].clone();
    let again = app.client.get(&url).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    // A page from another binary names files by other hashes: they are not this binary's.
    let stale = start.replacen("/graphiql/assets/", "/graphiql/assets/0", 1);
    assert_eq!(app.client.get(format!("{}{stale}", app.address)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn with_graphiql_turned_off_the_page_and_its_files_are_not_found() {
    let on = spawn_app().await;
    let files = references(&page(&on).await);
    let off = spawn_app_with(|settings| settings.dev_tools.graphiql = Some(false)).await;
    for path in std::iter::once("/graphiql".to_owned()).chain(files) {
        let response = off.client.get(format!("{}{path}", off.address)).send().await.unwrap();
        assert_eq!(response.status(), 404, "{path}");
    }
}
