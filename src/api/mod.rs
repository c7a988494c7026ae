//! The IMS API: client, typed errors, ids and the job model.

pub(crate) mod client;
pub(crate) mod credentials;
pub(crate) mod error;
pub(crate) mod id;
pub(crate) mod model;
pub(crate) mod retry;
pub(crate) mod tls;
pub(crate) mod wire;
