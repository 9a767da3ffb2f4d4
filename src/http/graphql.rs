//! The GraphQL endpoint, written for the GraphQL-over-HTTP specification rather than taken
//! from async-graphql-actix-web, whose stock handler always answers the GraphQL media type,
//! runs mutations over GET, accepts any content type and reads bodies without a limit.

use std::sync::Arc;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use async_graphql::parser::types::OperationType;
use async_graphql::{ErrorExtensionValues, ServerError};
use futures_util::StreamExt;
use serde_json::json;

use super::accept_language::request_locale;
use super::bearer::actor;
use super::client_address::client_address;
use super::multipart;
use super::negotiate::{ResponseMedia, is_json_body, response_media};
use crate::auth::{Actor, ClientAddress};
use crate::domain::labels::Locale;
use crate::error::{AppError, code};
use crate::graphql::{
    CostKey, Documents, IntrospectionSizes, JsonParts, KnownCosts, ListOverage, RequestExt, Schemas, TooLarge,
    asks_for_introspection, charge_overage, charged_cost, chosen_operation, mark_charged, measure, reads_only,
    refused_response, request_error, write_response,
};
use crate::service::Services;
use crate::service::cost_budget::{CostBudgets, Payer};

/// What the endpoint needs, shared by every worker.
pub struct GraphqlState {
    /// The charging instance and the executing one (see `graphql::schema`).
    pub schemas: Schemas,
    /// Parsed documents by the hash of their text; persisted queries.
    pub documents: Documents,
    /// The costs of requests validated before.
    pub known_costs: KnownCosts,
    pub services: Services,
    /// Every subject's cost budget, charged by the schema and by the downloads.
    pub cost_budgets: Arc<CostBudgets>,
    pub max_body_bytes: usize,
    pub max_upload_bytes: usize,
    /// Proxies whose `X-Forwarded-For` names the client (see `client_address`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Whether `__schema` and `__type` are answered (`RECTIFY_INTROSPECTION`).
    pub introspection: bool,
    /// The sizes introspection is priced by (see `graphql::request_shape`).
    pub introspection_sizes: IntrospectionSizes,
    /// The most aliases one request may hold (`RECTIFY_MAX_ALIASES`).
    pub max_aliases: usize,
    /// The largest answer written (`RECTIFY_MAX_RESPONSE_BYTES`).
    pub max_response_bytes: usize,
    /// How often a WebSocket connection's token is checked again (`RECTIFY_LIVE_TOKEN_RECHECK`).
    pub live_token_recheck: std::time::Duration,
    /// Where the server is in its stop (see `Application::run_until_stopped`).
    pub phase: tokio::sync::watch::Receiver<ServerPhase>,
}

/// A server's life, as `/readyz` and the subscriptions see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerPhase {
    Serving,
    /// Stopping: `/readyz` fails while the live feed catches up.
    Stopping,
    /// The live feed has caught up: each socket sends what its subscriptions hold, then closes
    /// with 1001.
    ClosingSubscriptions,
}

/// A response made of errors only, in the media type chosen (or plain JSON before one is).
pub(super) fn error_response(
    status: StatusCode,
    media: ResponseMedia,
    error_code: &str,
    message: &str,
) -> HttpResponse {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": error_code } }] });
    let mut response = HttpResponse::build(status);
    response.content_type(media.content_type());
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((header::WWW_AUTHENTICATE, "Bearer"));
    }
    response.body(body.to_string())
}

fn not_acceptable() -> HttpResponse {
    error_response(
        StatusCode::NOT_ACCEPTABLE,
        ResponseMedia::Json,
        code::BAD_USER_INPUT,
        "accept application/graphql-response+json or application/json",
    )
}

pub(super) fn auth_failure(error: AppError, media: ResponseMedia) -> HttpResponse {
    error.log();
    let status = match error {
        AppError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    error_response(status, media, error.code(), &error.public_message())
}

/// Gives every error a contract code. Resolver errors and our own request errors (limits,
/// budget) carry theirs already, from `AppError::code`; what is left are parse and
/// validation errors from async-graphql itself: the document is wrong.
pub(super) fn with_codes(errors: &mut [ServerError]) {
    for error in errors {
        let has_code = error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
        if has_code {
            continue;
        }
        error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code::BAD_USER_INPUT);
    }
}

/// Without a token, the only thing a request may do is one `login`: no introspection, no
/// aliased logins to guess many passwords at once.
fn anonymous_may_run(request: &async_graphql::Request) -> bool {
    use async_graphql::parser::types::Selection;
    if request.query.trim().is_empty() {
        // A persisted query's hash alone: nothing shows that it is a login, so no.
        return false;
    }
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        // Parse errors are answered as such (400), and execute nothing.
        return true;
    };
    // None is an error the executor reports; without a token it is simply refused.
    let operation = chosen_operation(&document, request.operation_name.as_deref());
    let Some(operation) = operation else { return false };
    let items = &operation.node.selection_set.node.items;
    operation.node.ty == OperationType::Mutation
        && items.len() == 1
        && matches!(&items[0].node, Selection::Field(field) if field.node.name.node.as_str() == "login")
}

/// A request refused before anything ran, for asking more than one request may.
/// The shape of a document, or why it is refused (`TOO_COMPLEX`): it expands past any request, asks for
/// too much of the schema, or holds too many aliases: the checks before async-graphql's own
/// validation, for HTTP and the WebSocket alike.
pub(super) fn checked_shape(
    document: &async_graphql::parser::types::ExecutableDocument,
    operation_name: Option<&str>,
    state: &GraphqlState,
) -> Result<crate::graphql::RequestShape, String> {
    let shape = match measure(document, operation_name, &state.introspection_sizes) {
        Ok(shape) => shape.unwrap_or_default(),
        Err(TooLarge) => {
            let message = "the document nests, or expands through its fragments, past what any request may select";
            return Err(message.into());
        }
    };
    if shape.introspection_cost > state.introspection_sizes.limit() {
        let message = format!(
            "the request asks for {} values of the schema, over the limit of {} (one and a half whole schemas)",
            shape.introspection_cost,
            state.introspection_sizes.limit()
        );
        return Err(message);
    }
    if shape.aliases > state.max_aliases {
        let message = format!(
            "the request holds {} aliased fields, over the limit of {} (RECTIFY_MAX_ALIASES)",
            shape.aliases, state.max_aliases
        );
        return Err(message);
    }
    Ok(shape)
}

pub(super) fn too_complex(message: String) -> async_graphql::Response {
    async_graphql::Response::from_errors(vec![request_error(AppError::TooComplex(message))])
}

/// A request refused for its cost budget: 429 under either media type, since the client
/// must wait whatever it accepts (the login throttle's `RATE_LIMITED` is a field error).
fn is_over_budget(errors: &[ServerError]) -> bool {
    errors.iter().any(|error| {
        error.extensions.as_ref().and_then(|ext| ext.get("code"))
            == Some(&async_graphql::Value::from(code::RATE_LIMITED))
    })
}

/// A request error for a document that asks for the schema while introspection is off:
/// refused before it is charged, like any other invalid document.
fn introspection_refused() -> async_graphql::Response {
    let mut error = ServerError::new("introspection is turned off on this server (RECTIFY_INTROSPECTION)", None);
    error.extensions.get_or_insert_with(ErrorExtensionValues::default).set("code", code::BAD_USER_INPUT);
    async_graphql::Response::from_errors(vec![error])
}

/// What `run` did: the answer, the objects written ahead, and whether it ran a query (whose
/// answer may be replaced by an error without hiding a change).
struct Ran {
    response: async_graphql::Response,
    parts: Option<Arc<JsonParts>>,
    query: bool,
}

impl Ran {
    /// A request refused before anything ran.
    fn refused(response: async_graphql::Response) -> Self {
        Self { response, parts: None, query: false }
    }
}

/// Charges a request to its cost budget and, when that lets it through, executes it; the
/// answer carries the charge (`extensions.cost`). A user's request that passed validation
/// before is charged its known cost without the charging instance (see `KnownCosts`). The
/// objects of a query come back as JSON written ahead, beside the answer (see `JsonParts`).
async fn run(state: &GraphqlState, mut request: async_graphql::Request, actor: Actor, from: Origin) -> Ran {
    let Origin { client, locale } = from;
    let document_hash = match state.documents.resolve(&mut request) {
        Ok(hash) => hash,
        Err(error) => return Ran::refused(async_graphql::Response::from_errors(vec![error])),
    };
    let document = match request.parsed_query() {
        Ok(document) => document.clone(),
        // A syntax error: the charging instance reports it as usual.
        Err(_) => return Ran::refused(state.schemas.charging.execute(request.data(actor).data(client)).await),
    };
    if !state.introspection && asks_for_introspection(&document) {
        return Ran::refused(introspection_refused());
    }
    let parts = JsonParts::for_query(&document, request.operation_name.as_deref()).map(Arc::new);
    let query = chosen_operation(&document, request.operation_name.as_deref())
        .is_some_and(|operation| operation.node.ty == OperationType::Query);
    let overage = Arc::new(ListOverage::default());
    let executable = |request: async_graphql::Request, actor: Actor| {
        let request = request.for_actor(actor, &state.services).data(client).data(locale).data(overage.clone());
        match &parts {
            Some(parts) => request.data(parts.clone()),
            None => request,
        }
    };
    // A request with files is priced by their size, which its text does not show.
    let cost_key = match (&actor, &document_hash) {
        (Actor::User(_), Some(hash)) if request.uploads.is_empty() => {
            CostKey::of(hash, request.operation_name.as_deref(), &request.variables)
        }
        _ => None,
    };
    if let (Actor::User(principal), Some(cost)) = (&actor, cost_key.as_ref().and_then(|key| state.known_costs.get(key)))
    {
        return match state.cost_budgets.charge(Payer::Subject(principal), cost).await {
            Ok(throttle) => {
                let mut response = state.schemas.executing.execute(executable(request, actor.clone())).await;
                mark_charged(&mut response, cost, throttle);
                charge_overage(&mut response, &state.cost_budgets, Payer::of(&actor, client), overage.total()).await;
                Ran { response, parts, query }
            }
            Err(refusal) => Ran::refused(refused_response(refusal)),
        };
    }
    // Measured only for a document the budget has not priced before: one priced before passed.
    let mut shape = match checked_shape(&document, request.operation_name.as_deref(), state) {
        Ok(shape) => shape,
        Err(message) => return Ran::refused(too_complex(message)),
    };
    shape.upload_bytes =
        request.uploads.iter().map(|upload| upload.content.metadata().map_or(0, |file| file.len())).sum();
    let mut charge_request = async_graphql::Request::new(String::new())
        .variables(request.variables.clone())
        .data(actor.clone())
        .data(client)
        .data(shape);
    charge_request.operation_name = request.operation_name.clone();
    charge_request.set_parsed_query(document);
    let charge = state.schemas.charging.execute(charge_request).await;
    if !charge.errors.is_empty() {
        return Ran::refused(charge);
    }
    if let (Some(key), Some(cost)) = (cost_key, charged_cost(&charge)) {
        state.known_costs.remember(key, cost);
    }
    let mut response = state.schemas.executing.execute(executable(request, actor.clone())).await;
    response.extensions.extend(charge.extensions);
    charge_overage(&mut response, &state.cost_budgets, Payer::of(&actor, client), overage.total()).await;
    Ran { response, parts, query }
}

/// Runs a request and writes the answer. A request error (nothing executed: parse or
/// validation failure) has no `data` and, under the GraphQL media type, status 400; over the
/// cost budget it is 429 with `Retry-After`.
async fn execute(
    state: &GraphqlState,
    request: async_graphql::Request,
    actor: Actor,
    from: Origin,
    media: ResponseMedia,
) -> HttpResponse {
    if actor == Actor::Anonymous && !anonymous_may_run(&request) {
        let message = "a bearer token is required; without one a request may only `login`";
        return error_response(StatusCode::UNAUTHORIZED, media, code::UNAUTHENTICATED, message);
    }
    let Ran { mut response, parts, query } = run(state, request, actor, from).await;
    with_codes(&mut response.errors);
    let nothing_ran = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|e| e.path.is_empty());
    let body = if nothing_ran {
        // `extensions` stays: a refused request still reports its cost and what is left.
        let mut body = json!({ "errors": response.errors });
        if let Some(extensions) =
            Some(&response.extensions).filter(|ext| !ext.is_empty()).and_then(|ext| serde_json::to_value(ext).ok())
        {
            body["extensions"] = extensions;
        }
        serde_json::to_vec(&body)
    } else {
        write_response(&response, parts.as_deref())
    };
    let Ok(body) = body else {
        return error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            media,
            code::INTERNAL_SERVER_ERROR,
            "the response could not be written",
        );
    };
    if query && body.len() > state.max_response_bytes {
        // The cost limit keeps answers far below this; what reaches it is a text-heavy page.
        // The answer is dropped whole rather than cut, so no client reads half of it as all.
        // A query changed nothing, so dropping its answer hides nothing; a mutation's answer
        // (a payload) is always sent. The charge stays, and is reported.
        let message = format!(
            "the answer would be {} bytes, over the limit of {} (RECTIFY_MAX_RESPONSE_BYTES): ask for fewer fields or smaller pages",
            body.len(),
            state.max_response_bytes
        );
        let mut body = json!({ "data": null, "errors": [request_error(AppError::TooComplex(message))] });
        if let Ok(extensions) = serde_json::to_value(&response.extensions) {
            body["extensions"] = extensions;
        }
        return HttpResponse::Ok().content_type(media.content_type()).body(body.to_string());
    }
    let status = if nothing_ran && is_over_budget(&response.errors) {
        StatusCode::TOO_MANY_REQUESTS
    } else if nothing_ran && media == ResponseMedia::GraphqlResponseJson {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let mut answer = HttpResponse::build(status);
    // Headers the schema asks for (`Retry-After` of the cost budget).
    for (name, value) in &response.http_headers {
        answer.insert_header((name.as_str(), value.as_bytes()));
    }
    answer.content_type(media.content_type()).body(body)
}

/// Reads the body, refusing it (413) as soon as it passes the limit rather than after.
async fn read_body(
    request: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<web::BytesMut, StatusCode> {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|length| length > limit) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        if body.len() + chunk.len() > limit {
            return Err(StatusCode::PAYLOAD_TOO_LARGE);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// `POST /graphql` with a multipart body: a request with file uploads. The token is checked
/// before any file is read, so that no one without one can fill the disk.
async fn post_multipart(
    request: HttpRequest,
    payload: web::Payload,
    state: web::Data<GraphqlState>,
    media: ResponseMedia,
) -> HttpResponse {
    if !multipart::has_preflight_header(&request) {
        let message = "multipart requests need a `GraphQL-Require-Preflight: 1` header \
                       (browsers send plain forms across sites without asking first)";
        return error_response(StatusCode::BAD_REQUEST, media, code::BAD_USER_INPUT, message);
    }
    let actor = match actor(&request, &state.services).await {
        Ok(Actor::Anonymous) => {
            let message = "a bearer token is required to upload";
            return error_response(StatusCode::UNAUTHORIZED, media, code::UNAUTHENTICATED, message);
        }
        Ok(Actor::User(principal)) if !crate::service::policy::may_upload(&principal) => {
            let message = "this role may not upload evidence";
            return error_response(StatusCode::FORBIDDEN, media, code::FORBIDDEN, message);
        }
        Ok(actor) => actor,
        Err(error) => return auth_failure(error, media),
    };
    let limits =
        multipart::UploadLimits { max_body_bytes: state.max_body_bytes, max_file_bytes: state.max_upload_bytes };
    match multipart::read(&request, payload, limits).await {
        Ok(graphql_request) => execute(&state, graphql_request, actor, origin(&request, &state), media).await,
        Err(refusal) => error_response(refusal.status, media, code::BAD_USER_INPUT, &refusal.message),
    }
}

/// `POST /graphql` with a JSON body (or a multipart one, for uploads).
pub async fn post(request: HttpRequest, payload: web::Payload, state: web::Data<GraphqlState>) -> HttpResponse {
    let Some(media) = response_media(&request) else { return not_acceptable() };
    if multipart::is_multipart(&request) {
        return post_multipart(request, payload, state, media).await;
    }
    if !is_json_body(&request) {
        return error_response(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            media,
            code::BAD_USER_INPUT,
            "send the request as application/json (UTF-8), or multipart/form-data for uploads",
        );
    }
    let body = match read_body(&request, payload, state.max_body_bytes).await {
        Ok(body) => body,
        Err(StatusCode::PAYLOAD_TOO_LARGE) => {
            let message = format!("the request body is larger than {} bytes", state.max_body_bytes);
            return error_response(StatusCode::PAYLOAD_TOO_LARGE, media, code::BAD_USER_INPUT, &message);
        }
        Err(status) => {
            return error_response(status, media, code::BAD_USER_INPUT, "the request body could not be read");
        }
    };
    let actor = match actor(&request, &state.services).await {
        Ok(actor) => actor,
        Err(error) => return auth_failure(error, media),
    };
    let bad_request = |message: &str| error_response(StatusCode::BAD_REQUEST, media, code::BAD_USER_INPUT, message);
    let json: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(json) => json,
        Err(_) => return bad_request("the request body is not valid JSON"),
    };
    if json.is_array() {
        return bad_request("batched requests are not supported: send one operation per request");
    }
    // A persisted query may come as its hash alone (`extensions.persistedQuery`).
    let persisted = json.pointer("/extensions/persistedQuery").is_some();
    if !json.get("query").is_some_and(serde_json::Value::is_string) && !persisted {
        return bad_request("the request needs a `query` string");
    }
    let graphql_request: async_graphql::Request = match serde_json::from_value(json) {
        Ok(request) => request,
        Err(_) => return bad_request("`operationName` must be a string, `variables` and `extensions` objects"),
    };
    execute(&state, graphql_request, actor, origin(&request, &state), media).await
}

/// What a GraphQL request takes from the HTTP request beside its body and token.
#[derive(Clone, Copy)]
struct Origin {
    /// The address it came from, for the limits kept per address.
    client: ClientAddress,
    /// The language labels are given in when a field is not asked for one.
    locale: Locale,
}

fn origin(request: &HttpRequest, state: &GraphqlState) -> Origin {
    Origin { client: ClientAddress(client_address(request, &state.trusted_proxies)), locale: request_locale(request) }
}

/// `GET /graphql?query=…`: queries only, so that a link or a prefetch can never change data.
pub async fn get(request: HttpRequest, state: web::Data<GraphqlState>) -> HttpResponse {
    let Some(media) = response_media(&request) else { return not_acceptable() };
    let bad_request = |message: &str| error_response(StatusCode::BAD_REQUEST, media, code::BAD_USER_INPUT, message);
    let graphql_request = match async_graphql::http::parse_query_string(request.query_string()) {
        Ok(parsed) => parsed,
        Err(_) => return bad_request("give `query`, and `variables` and `extensions` as JSON objects"),
    };
    if graphql_request.query.trim().is_empty() && !graphql_request.extensions.contains_key("persistedQuery") {
        return bad_request("the request needs a `query`");
    }
    // The document, remembered or parsed now: a persisted mutation shows itself only here.
    let mut graphql_request = graphql_request;
    if let Err(error) = state.documents.resolve(&mut graphql_request) {
        let status = match media {
            ResponseMedia::GraphqlResponseJson => StatusCode::BAD_REQUEST,
            ResponseMedia::Json => StatusCode::OK,
        };
        return error_response(status, media, code::BAD_USER_INPUT, &error.message);
    }
    let operation_name = graphql_request.operation_name.clone();
    if graphql_request.parsed_query().is_ok_and(|document| !reads_only(document, operation_name.as_deref())) {
        return HttpResponse::MethodNotAllowed()
            .insert_header((header::ALLOW, "POST"))
            .content_type(media.content_type())
            .body(json!({ "errors": [{ "message": "mutations are sent with POST", "extensions": { "code": code::BAD_USER_INPUT } }] }).to_string());
    }
    let actor = match actor(&request, &state.services).await {
        Ok(actor) => actor,
        Err(error) => return auth_failure(error, media),
    };
    execute(&state, graphql_request, actor, origin(&request, &state), media).await
}

/// Any other method on `/graphql`.
pub async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed()
        .insert_header((header::ALLOW, "GET, POST"))
        .content_type(ResponseMedia::Json.content_type())
        .body(json!({ "errors": [{ "message": "use GET for queries or POST", "extensions": { "code": code::BAD_USER_INPUT } }] }).to_string())
}
