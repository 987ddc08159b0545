//! The OpenAPI document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::accounts::{CreateAccount, UpdateAccount};
use crate::batch::BatchResponse;
use crate::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(title = "Weft", description = "Truto's POST /batch-request, served locally"),
    paths(
        crate::batch::batch_request,
        crate::accounts::list,
        crate::accounts::get_one,
        crate::accounts::create,
        crate::accounts::update,
        crate::accounts::delete,
        crate::app::health,
        document,
    ),
    components(schemas(BatchResponse, ErrorBody, CreateAccount, UpdateAccount)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI 3.1 document of the server's endpoints.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// Serves the OpenAPI document.
#[utoipa::path(get, path = "/openapi.json", tag = "server",
    responses((status = 200, description = "this document", body = Object)))]
pub(crate) async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
