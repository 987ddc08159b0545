//! Sending the page requests of a call with working credentials: refreshing before a
//! known expiry, signing every retry again, and one refresh and retry after a 401.

use std::sync::Arc;

use weft_connector::{AccountContext, HttpRequest, HttpResponse, HttpSend};

use crate::batch::Batch;
use crate::credentials::RefreshFailed;
use crate::failure::Failure;
use crate::http::{Resign, ResignFuture};

/// Applies the connector's auth and `sign` hook again with the current credentials.
struct Signer<'a> {
    batch: &'a Batch,
    http: Arc<dyn HttpSend>,
}

impl Resign for Signer<'_> {
    fn resign(&self, request: HttpRequest) -> ResignFuture<'_> {
        Box::pin(async move {
            let account = self.batch.credentials.current();
            let connector = self.batch.target.connector();
            let signed = connector.authorize(&account, request, self.http.clone());
            signed.await.map_err(Failure::from)
        })
    }
}

/// Returns the credentials a new call starts with, refreshed when they expire soon.
pub(crate) async fn usable_credentials(
    batch: &Batch,
    http: &Arc<dyn HttpSend>,
) -> Result<Arc<AccountContext>, Failure> {
    let usable = batch.credentials.usable(http.clone()).await;
    usable.map_err(|failed| reauth(batch, failed))
}

/// Sends one page request that was authorized with `account`. Re-authorizes it first
/// when the credentials changed or expire soon; after a 401, refreshes them once and
/// sends the request once more. `account` ends up as the credentials last used.
pub(crate) async fn send_page(
    batch: &Batch,
    node: &str,
    http: &Arc<dyn HttpSend>,
    account: &mut Arc<AccountContext>,
    request: HttpRequest,
) -> (HttpRequest, Result<HttpResponse, Failure>) {
    let signer = Signer {
        batch,
        http: http.clone(),
    };
    let request = match current_request(batch, http, account, request).await {
        Ok(request) => request,
        Err((request, failure)) => return (request, Err(failure)),
    };
    let (request, outcome) = batch.http.send_with(Some(node), request, &signer).await;
    let unauthorized = matches!(&outcome, Ok(response) if response.status == 401);
    if !unauthorized || !batch.target.connector().can_refresh() {
        return (request, outcome);
    }

    tracing::debug!(node, "status 401, refreshing credentials");
    match batch.credentials.refresh(account, http.clone()).await {
        Ok(fresh) => *account = fresh,
        Err(failed) => return (request, Err(reauth(batch, failed))),
    }
    let request = match authorize(batch, http, account, request).await {
        Ok(request) => request,
        Err((request, failure)) => return (request, Err(failure)),
    };
    batch.http.send_with(Some(node), request, &signer).await
}

/// Re-authorizes `request` when the batch's credentials are no longer `account`: another
/// call refreshed them, or they expire soon and were refreshed here.
async fn current_request(
    batch: &Batch,
    http: &Arc<dyn HttpSend>,
    account: &mut Arc<AccountContext>,
    request: HttpRequest,
) -> Result<HttpRequest, (HttpRequest, Failure)> {
    let current = match usable_credentials(batch, http).await {
        Ok(current) => current,
        Err(failure) => return Err((request, failure)),
    };
    if Arc::ptr_eq(&current, account) {
        return Ok(request);
    }
    *account = current;
    authorize(batch, http, account, request).await
}

async fn authorize(
    batch: &Batch,
    http: &Arc<dyn HttpSend>,
    account: &AccountContext,
    request: HttpRequest,
) -> Result<HttpRequest, (HttpRequest, Failure)> {
    let connector = batch.target.connector();
    let authorized = connector
        .authorize(account, request.clone(), http.clone())
        .await;
    authorized.map_err(|error| (request, error.into()))
}

fn reauth(batch: &Batch, failed: RefreshFailed) -> Failure {
    Failure::Reauth {
        account: batch.target.account().id.clone(),
        reason: failed.reason,
    }
}
