//! Configuration: flags, environment and the OpenStack files people already have
//! (`clouds.yaml`, `secure.yaml`) resolved once into validated settings.
//!
//! [`settings`] is the resolve step; below it, [`credentials`] picks the authentication method
//! field by field, [`clouds`] finds and merges the YAML files, [`fields`] declares every
//! credential field once, and [`proxy`] refuses proxy variables the HTTP stack cannot honour.

pub mod clouds;
pub(crate) mod credentials;
mod fields;
pub(crate) mod proxy;
pub(crate) mod settings;
