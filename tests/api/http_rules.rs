//! The HTTP rules of the contract: methods, media types, body limits, batches, compression.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn health_probes_and_graphiql_answer_without_a_token() {
    let app = spawn_app().await;
    for (path, expected) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.text().await.unwrap(), expected);
    }
    let page = app.client.get(format!("{}/graphiql", app.address)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(page.text().await.unwrap().contains("graphiql"));
}

#[tokio::test]
async fn a_mutation_over_get_is_405_and_a_query_over_get_runs() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let token = app.bureau();
    let mutation = app
        .client
        .get(&url)
        .bearer_auth(&token)
        .query(&[("query", "mutation { createAspect(input: {code: \"X\", name: \"x\"}) { aspect { id } } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(mutation.status(), 405);
    assert_eq!(mutation.headers()["allow"], "POST");
    let aspects = app.services.list_aspects(&bureau_principal()).await.unwrap();
    assert!(aspects.is_empty(), "nothing was written");

    let query =
        app.client.get(&url).bearer_auth(&token).query(&[("query", "{ viewer { role } }")]).send().await.unwrap();
    assert_eq!(query.status(), 200);
    let body: serde_json::Value = query.json().await.unwrap();
    assert_eq!(body["data"]["viewer"]["role"], "BUREAU");

    let put = app.client.put(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(put.status(), 405);
}

#[tokio::test]
async fn bodies_must_be_json_within_the_limit_and_not_batched() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let token = app.bureau();
    let post = |content_type: &'static str, body: Vec<u8>| {
        app.client.post(&url).bearer_auth(&token).header("content-type", content_type).body(body).send()
    };
    assert_eq!(post("text/plain", b"{\"query\":\"{__typename}\"}".to_vec()).await.unwrap().status(), 415);
    assert_eq!(post("application/x-www-form-urlencoded", b"query=x".to_vec()).await.unwrap().status(), 415);
    assert_eq!(
        post("application/json; charset=latin1", b"{\"query\":\"{__typename}\"}".to_vec()).await.unwrap().status(),
        415
    );
    let batch =
        post("application/json", br#"[{"query":"{__typename}"},{"query":"{__typename}"}]"#.to_vec()).await.unwrap();
    assert_eq!(batch.status(), 400);
    let body: serde_json::Value = batch.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(post("application/json", b"{not json".to_vec()).await.unwrap().status(), 400);

    let padding = "x".repeat(1_048_576);
    let big = format!("{{\"query\":\"{{__typename}}\",\"extensions\":{{\"pad\":\"{padding}\"}}}}");
    let too_large = post("application/json", big.into_bytes()).await.unwrap();
    assert_eq!(too_large.status(), 413);
    let ok = post("application/json; charset=utf-8", b"{\"query\":\"{__typename}\"}".to_vec()).await.unwrap();
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn the_accept_header_chooses_the_media_type_and_its_status_codes() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let send = |accept: &'static str, query: &'static str| {
        app.client.post(&url).bearer_auth(app.bureau()).header("accept", accept).json(&json!({ "query": query })).send()
    };
    let modern = send("application/graphql-response+json", "{ noSuchField }").await.unwrap();
    assert_eq!(modern.status(), 400);
    assert!(modern.headers()["content-type"].to_str().unwrap().starts_with("application/graphql-response+json"));
    let body: serde_json::Value = modern.json().await.unwrap();
    assert!(body.get("data").is_none(), "a request error has no data");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let legacy = send("application/json", "{ noSuchField }").await.unwrap();
    assert_eq!(legacy.status(), 200);
    assert!(legacy.headers()["content-type"].to_str().unwrap().starts_with("application/json"));

    let good = send("application/graphql-response+json", "{ viewer { role } }").await.unwrap();
    assert_eq!(good.status(), 200);
    assert_eq!(send("text/html", "{ viewer { role } }").await.unwrap().status(), 406);
}

#[tokio::test]
async fn answers_are_compressed_in_the_encoding_the_client_prefers_and_decode_to_the_same_answer() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    for n in 0..20 {
        app.register(&county, &format!("GZ-{n}")).await;
    }
    let page = json!({ "query": "{ issues { nodes { code title description location } } }" });
    let ask = |accept: &'static str, body: serde_json::Value| {
        app.client
            .post(format!("{}/graphql", app.address))
            .bearer_auth(app.bureau())
            .header("accept-encoding", accept)
            .json(&body)
            .send()
    };
    let plain = ask("identity", page.clone()).await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain = plain.bytes().await.unwrap();
    assert!(plain.len() > 2048, "the page is large enough to compress: {} bytes", plain.len());

    for (accept, expected) in [("gzip", "gzip"), ("gzip, deflate, br, zstd", "zstd"), ("zstd;q=0.5, gzip", "gzip")] {
        let response = ask(accept, page.clone()).await.unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers().clone();
        assert_eq!(headers["content-encoding"], expected, "{accept}");
        assert_eq!(headers["vary"], "accept-encoding");
        // Sent in one piece with its length, not chunked: nothing of it waits on the client's
        // acknowledgement of a piece before.
        assert!(headers.get("transfer-encoding").is_none(), "{accept}: {headers:?}");
        let compressed = response.bytes().await.unwrap();
        assert_eq!(headers["content-length"], compressed.len().to_string().as_str());
        assert!(compressed.len() * 4 < plain.len(), "{accept}: {} of {} bytes", compressed.len(), plain.len());
        let decoded = match expected {
            "gzip" => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&compressed[..]), &mut out).unwrap();
                out
            }
            _ => zstd::stream::decode_all(&compressed[..]).unwrap(),
        };
        // The same answer; only the cost budget left (extensions.cost) moves between requests.
        let data = |bytes: &[u8]| serde_json::from_slice::<serde_json::Value>(bytes).unwrap()["data"].clone();
        assert_eq!(data(&decoded), data(&plain), "{accept}");
    }

    // A short answer is sent as it is: compressing it would cost more than it saves.
    let short = ask("gzip", json!({ "query": "{ viewer { role } }" })).await.unwrap();
    assert!(short.headers().get("content-encoding").is_none());
    let short: serde_json::Value = serde_json::from_str(&short.text().await.unwrap()).unwrap();
    assert_eq!(short["data"]["viewer"]["role"], "BUREAU");

    // A download streamed in chunks is compressed too.
    let export = app
        .client
        .get(format!("{}/export/issues.csv", app.address))
        .bearer_auth(app.bureau())
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(export.headers()["content-encoding"], "gzip");
    let mut csv = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&export.bytes().await.unwrap()[..]), &mut csv)
        .unwrap();
    assert_eq!(csv.lines().count(), 21, "a header and 20 issues");

    // A client that rules out every encoding on offer, identity included, is told which there are.
    let refused = ask("br, identity;q=0", page).await.unwrap();
    assert_eq!(refused.status(), 406);
}

#[tokio::test]
async fn every_response_tells_browsers_not_to_sniff_not_to_send_referrers_and_to_run_nothing() {
    let app = spawn_app().await;
    let post = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(app.bureau())
        .json(&json!({ "query": "{ viewer { role } }" }))
        .send()
        .await
        .unwrap();
    let health = app.client.get(format!("{}/healthz", app.address)).send().await.unwrap();
    let export =
        app.client.get(format!("{}/export/issues.csv", app.address)).bearer_auth(app.bureau()).send().await.unwrap();
    let unknown = app.client.get(format!("{}/no-such-path", app.address)).send().await.unwrap();
    let graphiql = app.client.get(format!("{}/graphiql", app.address)).send().await.unwrap();
    for (what, response) in [("POST /graphql", &post), ("/healthz", &health), ("export", &export), ("404", &unknown)] {
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{what}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{what}");
        assert_eq!(headers["content-security-policy"], "default-src 'none'; frame-ancestors 'none'", "{what}");
    }
    assert_eq!([post.status(), health.status(), export.status()].map(|status| status.as_u16()), [200; 3]);
    // The GraphiQL page keeps its own policy (tests/api/graphiql.rs), and gets the other two.
    let headers = graphiql.headers();
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(headers.get_all("content-security-policy").iter().count(), 1, "one policy, not two");
}
