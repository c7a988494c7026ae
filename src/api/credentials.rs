//! What the API client needs from credentials, whatever kind they are: the headers that
//! authorise one request, and whether to send it again after a 401.
//!
//! `auth` implements this (token, AK/SK and password alike); the client knows nothing about
//! how the headers come about, so adding a method touches `auth` only.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use reqwest::header::HeaderMap;
use reqwest::{Method, Url};

use super::error::ApiError;

/// A boxed future, so that credentials can live behind `dyn` and be shared across tasks.
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Headers for one request, and the credential generation they carry.
#[derive(Debug, Clone)]
pub(crate) struct Authorization {
    /// Headers to add to the request (`X-Auth-Token`, or the AK/SK signature headers).
    pub headers: HeaderMap,
    /// Pass this to [`RequestCredentials::renew_after_unauthorized`] if the request gets a 401.
    pub generation: u64,
}

/// Proves who we are, request by request.
pub(crate) trait RequestCredentials: Send + Sync {
    /// The headers that authorise `method url` with `body`.
    fn authorize<'a>(
        &'a self,
        method: &'a Method,
        url: &'a Url,
        body: &'a [u8],
    ) -> BoxFuture<'a, Result<Authorization, ApiError>>;

    /// Called after a 401 on a request authorised with `generation`: whether the request
    /// should be sent once more, with fresh [`Self::authorize`] headers.
    fn renew_after_unauthorized(&self, generation: u64) -> BoxFuture<'_, Result<bool, ApiError>>;

    /// A short description for logs; never includes a secret.
    fn describe(&self) -> String;

    /// Whether obtaining credentials has failed in this run (an IAM login refused, unreachable
    /// or hanging): a one-shot run stops there rather than fail every job the same way.
    fn have_failed(&self) -> bool {
        false
    }
}

// By hand: only the description, so that no secret can reach `{:?}`.
impl fmt::Debug for dyn RequestCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RequestCredentials({})", self.describe())
    }
}

/// Which kind of credentials a run uses, for the words of a hint (a refused token and a
/// refused password call for different fixes). Resolved from the settings, before any request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthKind {
    /// A ready token (`OS_AUTH_TOKEN`).
    Token,
    /// AK/SK-signed requests (`OS_ACCESS_KEY`, `OS_SECRET_KEY`).
    AkSk,
    /// IAM tokens obtained with a password (`OS_USERNAME`, `OS_PASSWORD`, ...).
    Password,
}
