//! One credential refresh for an account in `needs_reauth` (SPEC section 8).

use std::sync::Arc;

use weft::connector::{AccountContext, HttpRequest, HttpResponse, HttpSend, SendFuture};
use weft::store::{Account, AccountStatus};
use weft::{Registry, Store};

use crate::ServerError;
use crate::execute::blocking;

/// Tries one refresh: on success saves the new credentials (the account becomes
/// `active`) and returns the updated account; otherwise records the failure as the
/// account's `last_error` and returns [`ServerError::NeedsReauth`].
pub(crate) async fn refresh_account(
    store: &Arc<Store>,
    registry: &Registry,
    account: &Account,
) -> Result<Account, ServerError> {
    let reason = match try_refresh(registry, account).await {
        Ok(fields) => {
            let store = store.clone();
            let id = account.id.clone();
            let updated = blocking(move || store.update_credentials(&id, fields)).await??;
            tracing::info!(account = %account.id, "credentials refreshed");
            return Ok(updated);
        }
        Err(reason) => reason,
    };
    tracing::warn!(account = %account.id, %reason, "refresh failed");
    let (store, id, error) = (store.clone(), account.id.clone(), reason.clone());
    blocking(move || store.set_status(&id, AccountStatus::NeedsReauth, Some(error))).await??;
    Err(ServerError::NeedsReauth {
        id: account.id.clone(),
        reason,
    })
}

async fn try_refresh(
    registry: &Registry,
    account: &Account,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    let connector = registry
        .get(&account.connector)
        .ok_or_else(|| format!("connector '{}' is not loaded", account.connector))?;
    if !connector.can_refresh() {
        return Err(format!(
            "connector '{}' cannot refresh credentials; connect the account again",
            account.connector
        ));
    }
    let context = AccountContext {
        id: account.id.clone(),
        context: account.context.clone(),
        base_url: account.base_url.clone(),
    };
    let http: Arc<dyn HttpSend> = Arc::new(RefreshHttp::default());
    connector
        .refresh(&context, http)
        .await
        .map_err(|error| error.to_string())
}

/// A plain HTTP client for the refresh hook's own requests.
#[derive(Default)]
struct RefreshHttp {
    client: reqwest::Client,
}

impl HttpSend for RefreshHttp {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        Box::pin(async move {
            let method = reqwest::Method::from_bytes(request.method.as_bytes())
                .map_err(|_| format!("invalid HTTP method '{}'", request.method))?;
            let mut builder = self.client.request(method, &request.url);
            for (name, value) in &request.headers {
                builder = builder.header(name, value);
            }
            if let Some(body) = request.body {
                builder = builder.body(body);
            }
            let response = builder.send().await.map_err(|error| error.to_string())?;
            let status = response.status().as_u16();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                    (name.as_str().to_owned(), value)
                })
                .collect();
            let body = response.bytes().await.map_err(|e| e.to_string())?.to_vec();
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }
}
