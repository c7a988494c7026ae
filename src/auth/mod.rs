//! Authentication against Open Telekom Cloud: credentials from `clouds.yaml`, Keystone v3
//! password tokens, AK/SK request signing, and the on-disk token cache.

pub mod aksk;
pub mod cache;
pub mod clouds;
mod fields;
pub mod keystone;
pub(crate) mod proxy;
pub(crate) mod resolve;
pub(crate) mod session;

#[cfg(test)]
mod test_server;
