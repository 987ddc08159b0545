//! Sending requests with working credentials: refreshing before a known expiry, signing
//! every retry again, and one refresh and retry after a 401. Page requests of a call
//! and the requests connector code sends to its base URL (`http.request`) go the same
//! way.

use std::sync::Arc;

use weft_connector::{
    AccountContext, HttpRequest, HttpResponse, HttpSend, LogLevel, LogRecord, SendFuture,
};

use crate::credentials::{Credentials, RefreshFailed};
use crate::event::Event;
use crate::failure::Failure;
use crate::http::{HttpClient, Resign, ResignFuture};

/// The [`HttpSend`] handed to a connector for calls of one node, so retries and log
/// lines are reported under that node and authorized requests get working credentials.
pub(crate) struct NodeHttp {
    client: Arc<HttpClient>,
    credentials: Arc<Credentials>,
    /// `None` for a refresh before the batch starts.
    node: Option<String>,
    /// Whether a 401 or a near expiry starts a refresh. False for requests sent while a
    /// refresh or a signature runs: the refresh hook holds the account's refresh lock,
    /// so its own requests must never start another refresh.
    refreshes: bool,
}

impl NodeHttp {
    pub(crate) fn new(
        client: Arc<HttpClient>,
        credentials: Arc<Credentials>,
        node: Option<String>,
    ) -> Arc<NodeHttp> {
        Arc::new(NodeHttp {
            client,
            credentials,
            node,
            refreshes: true,
        })
    }

    /// Returns a copy of this sender that never refreshes credentials.
    pub(crate) fn without_refresh(&self) -> Arc<NodeHttp> {
        Arc::new(NodeHttp {
            client: self.client.clone(),
            credentials: self.credentials.clone(),
            node: self.node.clone(),
            refreshes: false,
        })
    }

    /// Returns the credentials a new call starts with, refreshed when they expire soon.
    pub(crate) async fn usable_credentials(&self) -> Result<Arc<AccountContext>, Failure> {
        if !self.refreshes {
            return Ok(self.credentials.current());
        }
        let usable = self.credentials.usable(self.without_refresh()).await;
        usable.map_err(|failed| self.reauth(failed))
    }

    /// Sends one request that was authorized with `account`. Re-authorizes it first when
    /// the credentials changed or expire soon; after a 401, refreshes them once and sends
    /// the request once more. Every retry is signed again. `account` ends up as the
    /// credentials last used.
    pub(crate) async fn send_signed(
        &self,
        account: &mut Arc<AccountContext>,
        request: HttpRequest,
    ) -> (HttpRequest, Result<HttpResponse, Failure>) {
        let signer = Signer {
            credentials: &self.credentials,
            http: self.without_refresh(),
        };
        let node = self.node.as_deref();
        let request = match self.current_request(account, request).await {
            Ok(request) => request,
            Err((request, failure)) => return (request, Err(failure)),
        };
        let (request, outcome) = self.client.send_with(node, request, &signer).await;
        let unauthorized = matches!(&outcome, Ok(response) if response.status == 401);
        if !unauthorized || !self.refreshes || !self.credentials.can_refresh() {
            return (request, outcome);
        }

        tracing::debug!(node, "status 401, refreshing credentials");
        match self
            .credentials
            .refresh(account, self.without_refresh())
            .await
        {
            Ok(fresh) => *account = fresh,
            Err(failed) => return (request, Err(self.reauth(failed))),
        }
        let request = match self.authorize(account, request).await {
            Ok(request) => request,
            Err((request, failure)) => return (request, Err(failure)),
        };
        self.client.send_with(node, request, &signer).await
    }

    /// Re-authorizes `request` when the current credentials are no longer `account`:
    /// another call refreshed them, or they expire soon and were refreshed here.
    async fn current_request(
        &self,
        account: &mut Arc<AccountContext>,
        request: HttpRequest,
    ) -> Result<HttpRequest, (HttpRequest, Failure)> {
        let current = match self.usable_credentials().await {
            Ok(current) => current,
            Err(failure) => return Err((request, failure)),
        };
        let unchanged = Arc::ptr_eq(&current, account) || current.context == account.context;
        *account = current;
        match unchanged {
            true => Ok(request),
            false => self.authorize(account, request).await,
        }
    }

    async fn authorize(
        &self,
        account: &AccountContext,
        request: HttpRequest,
    ) -> Result<HttpRequest, (HttpRequest, Failure)> {
        let connector = self.credentials.connector();
        let http: Arc<dyn HttpSend> = self.without_refresh();
        let authorized = connector.authorize(account, request.clone(), http).await;
        authorized.map_err(|error| (request, error.into()))
    }

    fn reauth(&self, failed: RefreshFailed) -> Failure {
        Failure::Reauth {
            account: self.credentials.account_id().to_owned(),
            reason: failed.reason,
        }
    }
}

impl HttpSend for NodeHttp {
    fn send(&self, request: HttpRequest) -> SendFuture<'_> {
        Box::pin(async move {
            let outcome = self.client.send(self.node.as_deref(), request).await;
            outcome.map_err(|failure| self.client.redactor().text(&failure.message()))
        })
    }

    fn send_authorized<'a>(
        &'a self,
        request: HttpRequest,
        account: &'a AccountContext,
    ) -> SendFuture<'a> {
        Box::pin(async move {
            let mut account = Arc::new(account.clone());
            let (_, outcome) = self.send_signed(&mut account, request).await;
            outcome.map_err(|failure| self.client.redactor().text(&failure.message()))
        })
    }

    fn log(&self, record: &LogRecord) {
        let Some(node) = &self.node else { return };
        self.client.events().send(Event::ConnectorLog {
            node: node.clone(),
            level: level_name(record.level).to_owned(),
            message: self.client.redactor().text(&record.message),
        });
    }
}

/// Applies the connector's auth and `sign` hook again with the current credentials.
struct Signer<'a> {
    credentials: &'a Credentials,
    http: Arc<NodeHttp>,
}

impl Resign for Signer<'_> {
    fn resign(&self, request: HttpRequest) -> ResignFuture<'_> {
        Box::pin(async move {
            let account = self.credentials.current();
            let connector = self.credentials.connector();
            let http: Arc<dyn HttpSend> = self.http.clone();
            let signed = connector.authorize(&account, request, http);
            signed.await.map_err(Failure::from)
        })
    }
}

fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Debug => "debug",
        LogLevel::Info => "info",
        LogLevel::Warn => "warn",
        LogLevel::Error => "error",
    }
}
