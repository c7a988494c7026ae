//! Proxy variables the HTTP stack cannot honour are refused before anything is sent.
//!
//! The HTTP client takes `HTTPS_PROXY`, `HTTP_PROXY` and `ALL_PROXY` (either case) from the
//! environment but speaks only HTTP(S) to proxies. A SOCKS proxy there would fail every
//! request with a bare "unsupported scheme" network error; refusing it at start names the
//! variable instead, as a configuration error.

use crate::usage_error::UsageError;

/// The variables the HTTP client reads, in its order.
const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Refuses a proxy variable whose scheme is not `http`/`https` (SOCKS above all).
///
/// # Errors
/// A usage error naming the variable and the scheme; the value is not shown (it may hold a
/// password).
pub(crate) fn refuse_unsupported_proxy(
    var: impl Fn(&str) -> Option<String>,
) -> Result<(), UsageError> {
    for name in PROXY_VARS {
        let Some(value) = var(name).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        let value = value.trim();
        let Some((scheme, _)) = value.split_once("://") else {
            // Without a scheme the client assumes `http://`.
            continue;
        };
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https") {
            return Err(UsageError::new(format!(
                "`{name}` names a `{}` proxy, which imsjob cannot use (only HTTP and HTTPS proxies)",
                crate::safe_text::sanitize(&scheme)
            ))
            .with_hint(
                "unset the variable for imsjob, or point it at an HTTP proxy (e.g. `http://proxy:3128`)",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socks_is_refused_naming_the_variable_and_http_passes() {
        let with = |name: &'static str, value: &'static str| {
            move |k: &str| (k == name).then(|| value.to_owned())
        };
        let error = refuse_unsupported_proxy(with("ALL_PROXY", "socks5://u:secret@p:1080"))
            .expect_err("refused");
        assert!(error.message.contains("`ALL_PROXY`"), "{}", error.message);
        assert!(error.message.contains("socks5"), "{}", error.message);
        assert!(!error.message.contains("secret"));
        assert!(refuse_unsupported_proxy(with("https_proxy", "SOCKS5H://p")).is_err());
        assert!(refuse_unsupported_proxy(with("HTTPS_PROXY", "http://p:3128")).is_ok());
        assert!(refuse_unsupported_proxy(with("HTTP_PROXY", "p:3128")).is_ok());
        assert!(refuse_unsupported_proxy(|_| None).is_ok());
    }
}
