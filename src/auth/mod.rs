//! Authentication at run time: Keystone v3 password tokens, AK/SK request signing, the on-disk
//! token cache, and the session that turns resolved credentials (`config::credentials`) into
//! request headers.

pub(crate) mod aksk;
pub(crate) mod cache;
pub(crate) mod keystone;
pub(crate) mod session;

#[cfg(test)]
mod test_server;
