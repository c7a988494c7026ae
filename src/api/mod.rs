//! The IMS API: client, typed errors, ids and the job model.

pub mod client;
pub mod credentials;
pub mod error;
pub mod id;
pub mod model;
pub mod retry;
pub mod tls;
