//! Lists: pages both ways in every order, stable cursors, and every filter.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::helpers::*;

const PAGE: &str =
    "query($first: Int, $after: String, $last: Int, $before: String, $order: IssueOrder, $filter: IssueFilter) {
  issues(first: $first, after: $after, last: $last, before: $before, orderBy: $order, filter: $filter) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { code }
  }
}";

fn codes(reply: &Reply) -> Vec<String> {
    reply.data("issues.nodes").as_array().unwrap().iter().map(|n| n["code"].as_str().unwrap().to_owned()).collect()
}

/// Walks the whole list forwards, then backwards, in pages of `size`.
async fn walk(app: &TestApp, order: Value, size: i64) -> (Vec<String>, Vec<String>) {
    let token = app.bureau();
    let (mut forward, mut after) = (Vec::new(), Value::Null);
    loop {
        let reply = app.gql(Some(&token), PAGE, json!({ "first": size, "after": after, "order": order })).await.ok();
        forward.extend(codes(&reply));
        if reply.data("issues.pageInfo.hasNextPage") != true {
            break;
        }
        after = reply.data("issues.pageInfo.endCursor").clone();
    }
    let (mut backward, mut before) = (Vec::new(), Value::Null);
    loop {
        let reply = app.gql(Some(&token), PAGE, json!({ "last": size, "before": before, "order": order })).await.ok();
        let mut page = codes(&reply);
        page.extend(backward);
        backward = page;
        if reply.data("issues.pageInfo.hasPreviousPage") != true {
            break;
        }
        before = reply.data("issues.pageInfo.startCursor").clone();
    }
    (forward, backward)
}

#[tokio::test]
async fn every_order_pages_forwards_and_backwards_without_skipping_or_repeating() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    // Codes and deadlines chosen so that sort keys repeat and some deadlines are missing.
    for n in 0..13 {
        let issue = app.register(&county, &format!("P-{:02}", (n * 7) % 13)).await;
        if n % 3 != 0 {
            app.assign(&county, &issue, &county_date(n % 4)).await.ok();
        }
    }
    for field in ["CODE", "CREATED_AT", "UPDATED_AT", "DEADLINE"] {
        for direction in ["ASC", "DESC"] {
            let order = json!({ "field": field, "direction": direction });
            let everything = app.gql(Some(&app.bureau()), PAGE, json!({ "first": 100, "order": order })).await.ok();
            let expected = codes(&everything);
            assert_eq!(expected.len(), 13);
            for size in [1, 4, 5] {
                let (forward, backward) = walk(&app, order.clone(), size).await;
                assert_eq!(forward, expected, "{field} {direction} forwards by {size}");
                assert_eq!(backward, expected, "{field} {direction} backwards by {size}");
            }
            if field == "CODE" {
                let mut sorted = expected.clone();
                sorted.sort();
                if direction == "DESC" {
                    sorted.reverse();
                }
                assert_eq!(expected, sorted);
            }
        }
    }
    let default = app.gql(Some(&app.bureau()), PAGE, json!({ "first": 1 })).await.ok();
    let newest = app
        .gql(Some(&app.bureau()), PAGE, json!({ "first": 1, "order": { "field": "CREATED_AT", "direction": "DESC" } }))
        .await
        .ok();
    assert_eq!(codes(&default), codes(&newest), "newest first by default");
}

#[tokio::test]
async fn a_cursor_stays_valid_while_issues_are_added() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    for n in 0..6 {
        app.register(&county, &format!("C-{n}")).await;
    }
    let order = json!({ "field": "CODE", "direction": "ASC" });
    let first = app.gql(Some(&app.bureau()), PAGE, json!({ "first": 3, "order": order })).await.ok();
    assert_eq!(codes(&first), ["C-0", "C-1", "C-2"]);
    app.register(&county, "C-00").await;
    app.register(&county, "C-9").await;
    let next = app
        .gql(
            Some(&app.bureau()),
            PAGE,
            json!({ "first": 10, "after": first.data("issues.pageInfo.endCursor"), "order": order }),
        )
        .await
        .ok();
    assert_eq!(codes(&next), ["C-3", "C-4", "C-5", "C-9"]);
    assert_eq!(next.data("issues.totalCount"), 8);
    assert_eq!(next.data("issues.pageInfo.hasPreviousPage"), true);

    let foreign = app
        .gql(Some(&app.bureau()), PAGE, json!({ "first": 3, "after": first.data("issues.pageInfo.endCursor"), "order": { "field": "DEADLINE", "direction": "ASC" } }))
        .await;
    assert_eq!((foreign.code(), foreign.field()), ("BAD_USER_INPUT", "after"), "a cursor belongs to its ordering");
    let garbage = app.gql(Some(&app.bureau()), PAGE, json!({ "first": 3, "after": "bm9wZQ" })).await;
    assert_eq!(garbage.code(), "BAD_USER_INPUT");
}

#[tokio::test]
async fn every_filter_narrows_the_list() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    let water = app.department("WATER");
    let a = app.register(&county, "F-A").await; // assigned to WATER, overdue, supervised, major
    let b = app.register(&county, "F-B").await; // assigned to AGRI, WATER cooperating, in progress
    let c = app.register(&county, "F-C").await; // reported, bureau category
    app.assign(&county, &a, &county_date(-3)).await.ok();
    app.mutate(
        &bureau,
        "superviseIssue",
        json!({ "issueId": a, "level": "PROVINCIAL", "deadline": county_date(1) }),
        "issue { id }",
    )
    .await
    .ok();
    app.mutate(
        &bureau,
        "updateIssue",
        json!({ "issueId": a, "expectedVersion": 3, "severity": "MAJOR", "description": "Dye works discharge" }),
        "issue { id }",
    )
    .await
    .ok();
    app.mutate(
        &bureau,
        "assignIssue",
        json!({ "issueId": b, "leadDepartmentId": county.agri, "cooperatingDepartmentIds": [county.water], "deadline": county_date(20), "leaderName": "L" }),
        "issue { id }",
    )
    .await
    .ok();
    app.mutate(&app.department("AGRI"), "startRectification", json!({ "issueId": b, "plan": "p" }), "issue { id }")
        .await
        .ok();
    app.mutate(
        &bureau,
        "updateIssue",
        json!({ "issueId": c, "expectedVersion": 1, "categoryId": county.bureau_category }),
        "issue { id }",
    )
    .await
    .ok();
    let since =
        app.gql(Some(&bureau), "query($id: ID!) { issue(id: $id) { updatedAt } }", json!({ "id": c })).await.ok();
    let since = since.data("issue.updatedAt").clone();

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), vec!["F-A", "F-B", "F-C"]),
        (json!({ "status": ["REPORTED", "IN_PROGRESS"] }), vec!["F-B", "F-C"]),
        (json!({ "severity": "MAJOR" }), vec!["F-A"]),
        (json!({ "roundId": county.round }), vec!["F-A", "F-B", "F-C"]),
        (json!({ "aspectId": county.aspect }), vec!["F-A", "F-B", "F-C"]),
        (json!({ "categoryId": county.bureau_category }), vec!["F-C"]),
        (json!({ "leadDepartmentId": county.water }), vec!["F-A"]),
        (json!({ "departmentId": county.water }), vec!["F-A", "F-B"]),
        (json!({ "departmentId": county.housing }), vec!["F-A"]),
        (json!({ "supervised": true }), vec!["F-A"]),
        (json!({ "supervised": false }), vec!["F-B", "F-C"]),
        (json!({ "overdue": true }), vec!["F-A"]),
        (json!({ "overdue": false }), vec!["F-B", "F-C"]),
        (json!({ "deadlineBefore": county_date(0) }), vec!["F-A"]),
        (json!({ "updatedSince": since }), vec!["F-C"]),
        (json!({ "search": "dye WORKS" }), vec!["F-A"]),
        (json!({ "search": "f-b" }), vec!["F-B"]),
        (json!({ "search": "100%_" }), vec![]),
        (json!({ "status": ["CLOSED"] }), vec![]),
        (json!({ "leadDepartmentId": county.water, "overdue": false }), vec![]),
    ];
    for (filter, expected) in cases {
        let reply = app
            .gql(Some(&bureau), PAGE, json!({ "filter": filter, "order": { "field": "CODE", "direction": "ASC" } }))
            .await
            .ok();
        assert_eq!(codes(&reply), expected, "filter {filter}");
        assert_eq!(reply.data("issues.totalCount"), expected.len(), "count for {filter}");
    }
    let own = app.gql(Some(&water), PAGE, json!({ "filter": { "status": ["IN_PROGRESS"] } })).await.ok();
    assert_eq!(codes(&own), ["F-B"]);
    let bad = app.gql(Some(&bureau), PAGE, json!({ "filter": { "roundId": county.water } })).await;
    assert_eq!((bad.code(), bad.field()), ("BAD_USER_INPUT", "filter.roundId"));
}

#[tokio::test]
async fn departments_and_rounds_page_too() {
    let app = spawn_app().await;
    seed_county(&app).await;
    let token = app.bureau();
    let mut seen = HashSet::new();
    let mut after = Value::Null;
    loop {
        let reply = app
            .gql(Some(&token), "query($after: String) { departments(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { code } } }", json!({ "after": after }))
            .await
            .ok();
        for node in reply.data("departments.nodes").as_array().unwrap() {
            assert!(seen.insert(node["code"].as_str().unwrap().to_owned()));
        }
        if reply.data("departments.pageInfo.hasNextPage") != true {
            break;
        }
        after = reply.data("departments.pageInfo.endCursor").clone();
    }
    assert_eq!(seen.len(), 5);
    let townships =
        app.gql(Some(&token), "{ departments(kind: TOWNSHIP) { totalCount nodes { code } } }", json!({})).await.ok();
    assert_eq!(townships.data("departments.nodes"), &json!([{ "code": "T-EAST" }]));
    let agri = app.gql(Some(&token), "{ departmentByCode(code: \"AGRI\") { id version } }", json!({})).await.ok();
    app.mutate(
        &token,
        "updateDepartment",
        json!({ "id": agri.data("departmentByCode.id"), "expectedVersion": 1, "active": false }),
        "department { active }",
    )
    .await
    .ok();
    let active = app
        .gql(
            Some(&token),
            "{ departments { totalCount } all: departments(includeInactive: true) { totalCount } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!((active.data("departments.totalCount"), active.data("all.totalCount")), (&json!(4), &json!(5)));
    let rounds = app
        .gql(
            Some(&token),
            "{ inspectionRounds(last: 1) { totalCount nodes { name level kind startedOn } } }",
            json!({}),
        )
        .await
        .ok();
    assert_eq!(rounds.data("inspectionRounds.nodes.0.startedOn"), "2026-03-01");
}

#[tokio::test]
async fn search_is_literal_bounded_and_the_same_on_both_databases() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let bureau = app.bureau();
    for (code, title) in [("S-1", "ＡＢＣ化工厂 discharge"), ("S-2", "100% of the river_bank"), ("S-3", "Quarry dust")]
    {
        app.mutate(
            &bureau,
            "registerIssue",
            json!({ "code": code, "title": title, "description": "d", "roundId": county.round, "categoryId": county.category, "severity": "GENERAL" }),
            "issue { id }",
        )
        .await
        .ok();
    }
    for (search, expected) in [
        ("ＡＢＣ", vec!["S-1"]),
        ("化工", vec!["S-1"]),
        ("DISCHARGE", vec!["S-1"]),
        ("%", vec!["S-2"]),
        ("r_b", vec!["S-2"]),
        ("_", vec!["S-2"]),
        ("quarry", vec!["S-3"]),
    ] {
        let reply = app
            .gql(
                Some(&bureau),
                PAGE,
                json!({ "filter": { "search": search }, "order": { "field": "CODE", "direction": "ASC" } }),
            )
            .await
            .ok();
        assert_eq!(codes(&reply), expected, "search {search}");
    }
    let long = "x".repeat(201);
    let reply = app.gql(Some(&bureau), PAGE, json!({ "filter": { "search": long } })).await;
    assert_eq!((reply.code(), reply.field()), ("BAD_USER_INPUT", "filter.search"));
    let statuses: Vec<&str> = vec!["REPORTED"; 500];
    let reply = app.gql(Some(&bureau), PAGE, json!({ "filter": { "status": statuses } })).await.ok();
    assert_eq!(reply.data("issues.totalCount"), 3, "repeated statuses are one filter");
    let reply = app
        .gql(
            Some(&bureau),
            "query($i: Boolean) { departments(includeInactive: $i) { totalCount } }",
            json!({ "i": null }),
        )
        .await
        .ok();
    assert_eq!(reply.data("departments.totalCount"), 5);
}

/// A list page and `issue(id:)` read only the columns their selection needs
/// (`service::issue_rows`). Every field of `Issue`, selected alone on a list page of the demo
/// county (every status, some supervised, planned, accepted, closed, reopened) and through
/// `issue(id:)`, equals the same field of the same issue read whole through `node(id:)`; so
/// does the `edges` form with a fragment.
#[tokio::test]
async fn every_issue_field_on_a_list_page_equals_the_same_field_read_whole() {
    // Every field at once costs more than a client's query may, and every field in turn more
    // than a budget holds: the limits are raised here, as these tests check answers, not prices.
    let app = spawn_app_with(|settings| {
        settings.limits.max_cost = 100_000;
        settings.limits.cost_budget = 10_000_000;
    })
    .await;
    app.services.seed_demo().await.expect("seeding");
    let token = app.bureau();
    let fields = app.gql(Some(&token), TYPE_FIELDS, json!({ "name": "Issue" })).await.ok();
    let fields = fields.data("__type.fields").as_array().unwrap().clone();
    assert!(fields.len() >= 30, "the Issue type has {} fields", fields.len());
    let ids: Vec<String> = app
        .gql(Some(&token), "{ issues(first: 100) { nodes { id } } }", json!({}))
        .await
        .ok()
        .data("issues.nodes")
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 40);
    for field in &fields {
        let name = field["name"].as_str().unwrap();
        let selection = selection_of(&app, &token, field).await;
        let page = format!("{{ issues(first: 100) {{ nodes {{ {selection} }} }} }}");
        let listed = app.gql(Some(&token), &page, json!({})).await.ok().data("issues.nodes").clone();
        let whole = read_whole(&app, &token, &ids, &selection).await;
        assert_eq!(listed, Value::Array(whole.clone()), "the field `{name}` differs on a list page");
        let singles: String =
            ids.iter().enumerate().map(|(i, id)| format!("i{i}: issue(id: \"{id}\") {{ {selection} }} ")).collect();
        let reply = app.gql(Some(&token), &format!("{{ {singles} }}"), json!({})).await.ok();
        let single: Vec<Value> = (0..ids.len()).map(|i| reply.data(&format!("i{i}")).clone()).collect();
        assert_eq!(single, whole, "the field `{name}` differs through issue(id:)");
    }

    let edges = "{ issues(first: 100) { edges { node { id ...Parts } } } }
                 fragment Parts on Issue { code overdue supervision { level listedBy } plan { summary } }";
    let listed = app.gql(Some(&token), edges, json!({})).await.ok();
    let listed: Vec<Value> =
        listed.data("issues.edges").as_array().unwrap().iter().map(|edge| edge["node"].clone()).collect();
    let whole = read_whole(&app, &token, &ids, "id code overdue supervision { level listedBy } plan { summary }").await;
    assert_eq!(listed, whole, "the `edges` form with a fragment differs");
}

/// `selection` of each issue in `ids`, read whole through `node(id:)`, in one request.
async fn read_whole(app: &TestApp, token: &str, ids: &[String], selection: &str) -> Vec<Value> {
    let singles: String = ids
        .iter()
        .enumerate()
        .map(|(i, id)| format!("i{i}: node(id: \"{id}\") {{ ... on Issue {{ {selection} }} }} "))
        .collect();
    let reply = app.gql(Some(token), &format!("{{ {singles} }}"), json!({})).await.ok();
    (0..ids.len()).map(|i| reply.data(&format!("i{i}")).clone()).collect()
}

#[tokio::test]
async fn near_me_lists_the_issues_around_a_point_nearest_first() {
    let app = spawn_app().await;
    let county = seed_county(&app).await;
    let (here_lat, here_lon) = (30.5, 104.1);
    // Metres to degrees here: a degree of latitude is 111,195 m, of longitude 95,809 m.
    let places = [
        ("NEAR-300E", Some((here_lat, here_lon + 300.0 / 95_809.0))),
        ("NEAR-100N", Some((here_lat + 100.0 / 111_195.0, here_lon))),
        ("NEAR-800SW", Some((here_lat - 566.0 / 111_195.0, here_lon - 566.0 / 95_809.0))),
        ("FAR-2KM", Some((here_lat + 2_000.0 / 111_195.0, here_lon))),
        ("NOWHERE", None),
    ];
    for (code, place) in places {
        let mut input = json!({
            "code": code, "title": "Problem", "description": "Seen on site.",
            "roundId": county.round, "categoryId": county.category, "severity": "GENERAL"
        });
        if let Some((latitude, longitude)) = place {
            input["latitude"] = json!(latitude);
            input["longitude"] = json!(longitude);
        }
        app.mutate(&app.bureau(), "registerIssue", input, "issue { id }").await.ok();
    }
    let inspector = app.token(entity::enums::Role::Inspector, "inspector-zhao", None);
    let near = json!({ "latitude": here_lat, "longitude": here_lon, "radiusMeters": 1000 });
    let query = "query($f: IssueFilter, $first: Int, $after: String, $last: Int) {
        issues(filter: $f, first: $first, after: $after, last: $last) {
            totalCount nodes { code distanceFrom(latitude: 30.5, longitude: 104.1) } pageInfo { endCursor hasNextPage }
        } }";
    let first = app.gql(Some(&inspector), query, json!({ "f": { "near": near }, "first": 2 })).await.ok();
    assert_eq!(codes(&first), ["NEAR-100N", "NEAR-300E"], "nearest first");
    assert_eq!(first.data("issues.totalCount"), 3, "the three within a kilometre");
    let metres: Vec<f64> =
        first.data("issues.nodes").as_array().unwrap().iter().map(|n| n["distanceFrom"].as_f64().unwrap()).collect();
    assert!((metres[0] - 100.0).abs() < 1.0 && (metres[1] - 300.0).abs() < 1.0, "{metres:?}");
    let after = first.data("issues.pageInfo.endCursor").clone();
    let second =
        app.gql(Some(&inspector), query, json!({ "f": { "near": near }, "first": 2, "after": after })).await.ok();
    assert_eq!(codes(&second), ["NEAR-800SW"]);
    assert_eq!(second.data("issues.pageInfo.hasNextPage"), false);
    let last = app.gql(Some(&inspector), query, json!({ "f": { "near": near }, "last": 2 })).await.ok();
    assert_eq!(codes(&last), ["NEAR-300E", "NEAR-800SW"], "backwards too");

    // The same filter counts the same issues in the statistics.
    let stats = app
        .gql(
            Some(&inspector),
            "query($f: IssueFilter) { issueStatistics(filter: $f) { total } }",
            json!({ "f": { "near": near } }),
        )
        .await
        .ok();
    assert_eq!(stats.data("issueStatistics.total"), 3);

    let ordered = app
        .gql(
            Some(&inspector),
            "query($f: IssueFilter) { issues(filter: $f, orderBy: {field: CODE, direction: ASC}) { totalCount } }",
            json!({ "f": { "near": near } }),
        )
        .await;
    assert_eq!((ordered.code(), ordered.field()), ("BAD_USER_INPUT", "orderBy"));
    let too_wide = json!({ "latitude": here_lat, "longitude": here_lon, "radiusMeters": 50_000 });
    let wide = app.gql(Some(&inspector), query, json!({ "f": { "near": too_wide } })).await;
    assert_eq!((wide.code(), wide.field()), ("BAD_USER_INPUT", "filter.near.radiusMeters"));
}
