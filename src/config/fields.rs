//! The credential fields, declared once: what each is called in [`AuthInputs`] and in a
//! `clouds.yaml` entry ([`CloudConfig`]), its type, the environment variables that set it
//! and where in the cloud entry it may sit. Both structs, the layer merge and both loaders'
//! field lists are generated from the one table, so adding a field is one line.
//!
//! `verify`/`insecure` is the one field outside the table: `clouds.yaml` states it the other
//! way round and both sources spell booleans their own way.

use std::path::PathBuf;

use secrecy::SecretString;

/// Where in a `clouds.yaml` entry a key may sit, in the order they are tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Where {
    /// Under `auth:`.
    Auth,
    /// At the top of the entry.
    Top,
}

macro_rules! credential_fields {
    ($(
        $(#[$doc:meta])*
        $field:ident / $cloud:ident : $ty:ty = env [$($var:literal),+] yaml [$($at:ident),+];
    )*) => {
        /// One layer of raw authentication settings; every field optional. Secrets are
        /// `SecretString`s, whose `{:?}` shows only that they are set.
        #[derive(Clone, Default, Debug)]
        pub(crate) struct AuthInputs {
            $( $(#[$doc])* pub $field: Option<$ty>, )*
            /// `--insecure` / `OS_INSECURE` / `verify: false`.
            pub insecure: Option<bool>,
        }

        /// One cloud's settings, after merging `secure.yaml` over `clouds.yaml`, under the
        /// keys the file uses.
        #[derive(Clone, Default, Debug)]
        pub struct CloudConfig {
            /// The cloud's name (the key under `clouds`).
            pub name: String,
            /// The clouds file it came from.
            pub source: PathBuf,
            $( pub $cloud: Option<$ty>, )*
            /// `verify`; `false` disables TLS verification.
            pub verify: Option<bool>,
        }

        /// Every variable a credential field is read from.
        #[cfg(test)]
        pub(crate) const ENV_NAMES: &[&str] = &[$($($var),+),*];

        impl AuthInputs {
            /// `self` where set, else `lower`: layers are combined highest first,
            /// `flags.over(env).over(cloud)`.
            #[must_use]
            pub(crate) fn over(self, lower: Self) -> Self {
                Self {
                    $( $field: self.$field.or(lower.$field), )*
                    insecure: self.insecure.or(lower.insecure),
                }
            }

            /// The settings of one `clouds.yaml` entry.
            pub(crate) fn from_cloud(cloud: &CloudConfig) -> Self {
                Self {
                    $( $field: cloud.$cloud.clone(), )*
                    insecure: cloud.verify.map(|verify| !verify),
                }
            }

            /// Every table field from its variables (the first one set wins).
            pub(super) fn from_vars(get: impl Fn(&str) -> Option<String>, insecure: Option<bool>) -> Self {
                Self {
                    $( $field: None$(.or_else(|| get($var)))+.map(Into::into), )*
                    insecure,
                }
            }
        }

        impl CloudConfig {
            /// Every table field through `read(places, key)`, which returns the first value
            /// found; `name`, `source` and `verify` are left for the caller.
            pub(super) fn from_keys<E>(
                mut read: impl FnMut(&[Where], &str) -> Result<Option<String>, E>,
            ) -> Result<Self, E> {
                Ok(Self {
                    $( $cloud: read(&[$(Where::$at),+], stringify!($cloud))?.map(Into::into), )*
                    ..Self::default()
                })
            }
        }
    };
}

credential_fields! {
    /// `OS_AUTH_URL` / `auth.auth_url`.
    auth_url / auth_url: String = env ["OS_AUTH_URL"] yaml [Auth];
    /// `OS_USERNAME` / `auth.username`.
    username / username: String = env ["OS_USERNAME"] yaml [Auth];
    /// `OS_PASSWORD` / `auth.password`.
    password / password: SecretString = env ["OS_PASSWORD"] yaml [Auth];
    /// `--project-id` / `OS_PROJECT_ID` / `auth.project_id`.
    project_id / project_id: String = env ["OS_PROJECT_ID"] yaml [Auth];
    /// `OS_PROJECT_NAME` / `auth.project_name`.
    project_name / project_name: String = env ["OS_PROJECT_NAME"] yaml [Auth];
    /// `OS_USER_DOMAIN_NAME` / `auth.user_domain_name`.
    user_domain_name / user_domain_name: String = env ["OS_USER_DOMAIN_NAME"] yaml [Auth];
    /// `OS_DOMAIN_NAME` / `auth.domain_name`.
    domain_name / domain_name: String = env ["OS_DOMAIN_NAME"] yaml [Auth];
    /// `OS_AUTH_TOKEN` / `OS_TOKEN` / `auth.token`.
    token / token: SecretString = env ["OS_AUTH_TOKEN", "OS_TOKEN"] yaml [Auth];
    /// `OS_PASSCODE` / `auth.passcode` (MFA).
    passcode / passcode: SecretString = env ["OS_PASSCODE"] yaml [Auth];
    /// `OS_ACCESS_KEY` / `auth.ak`, else top-level `ak`.
    access_key / ak: String = env ["OS_ACCESS_KEY"] yaml [Auth, Top];
    /// `OS_SECRET_KEY` / `auth.sk`, else top-level `sk`.
    secret_key / sk: SecretString = env ["OS_SECRET_KEY"] yaml [Auth, Top];
    /// `OS_SECURITY_TOKEN` / `auth.security_token`, else top-level `security_token`.
    security_token / security_token: SecretString = env ["OS_SECURITY_TOKEN"] yaml [Auth, Top];
    /// `--region` / `OS_REGION_NAME` / `region_name`.
    region / region_name: String = env ["OS_REGION_NAME"] yaml [Top];
    /// `--cacert` / `OS_CACERT` / `cacert`, as written.
    cacert / cacert: PathBuf = env ["OS_CACERT"] yaml [Top];
}
