//! Configuration: flags, environment and the OpenStack files people already have
//! (`clouds.yaml`, `secure.yaml`) resolved once into validated settings.
//!
//! [`settings`] is the resolve step; below it, [`credentials`] picks the authentication method
//! field by field, [`clouds`] finds and merges the YAML files, [`fields`] declares every
//! credential field once, and [`proxy`] reads the proxy variables (refusing those the HTTP
//! stack cannot honour). The token cache directory and the TLS trust store's locations are
//! resolved in [`settings`] too, so that nothing below reads the process environment.

pub(crate) mod clouds;
pub(crate) mod credentials;
pub(crate) mod fields;
pub(crate) mod proxy;
pub(crate) mod settings;
