//! The IMS API: client, typed errors, ids and the job model.

pub(crate) mod client;
pub(crate) mod credentials;
pub mod error;
pub mod id;
pub mod model;
pub(crate) mod retry;
pub(crate) mod tls;
pub(crate) mod wire;
