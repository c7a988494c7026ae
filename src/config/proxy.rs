//! Which proxy each request goes through, read from the captured environment.
//!
//! The variables are the ones the HTTP client's own lookup reads, with its precedence: `HTTPS_PROXY`/`HTTP_PROXY` per scheme (either case, upper first), `ALL_PROXY`
//! for both when those are unset, `NO_PROXY` for hosts reached directly, and nothing at all
//! when `REQUEST_METHOD` says this runs as a CGI script (where `HTTP_PROXY` can be set by a
//! request header). The client speaks only HTTP(S) to proxies: a SOCKS proxy would fail every
//! request with a bare "unsupported scheme" network error, so it is refused at start, naming
//! the variable, as a configuration error.

pub(crate) use crate::api::client::Proxies;
use crate::usage_error::UsageError;

/// The variables that name a proxy, in the order they are checked.
const PROXY_VARS: [&str; 6] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// The first of `names` that is set, even empty (an empty upper-case variable hides the
/// lower-case one, as in the HTTP client's own lookup).
fn first(var: &impl Fn(&str) -> Option<String>, names: [&str; 2]) -> Option<String> {
    names.into_iter().find_map(var)
}

/// A proxy URL as given; one without a scheme is an `http://` proxy. A value that is not a
/// URI with a host is no proxy at all (then `ALL_PROXY` applies), as the HTTP client's own
/// lookup treats it.
fn proxy_url(value: Option<String>) -> Option<String> {
    let value = value?;
    let uri = value.parse::<http::Uri>().ok()?;
    uri.authority()?;
    if uri.scheme().is_some() {
        Some(value)
    } else {
        Some(format!("http://{value}"))
    }
}

/// Reads the proxy variables through `var` (a variable's value when set, even empty).
///
/// # Errors
/// A usage error naming a variable whose proxy is not HTTP or HTTPS; the value is not shown
/// (it may hold a password).
pub(crate) fn resolve(var: impl Fn(&str) -> Option<String>) -> Result<Proxies, UsageError> {
    refuse_unsupported_proxy(&var)?;
    if var("REQUEST_METHOD").is_some() {
        return Ok(Proxies::default());
    }
    let all = proxy_url(first(&var, ["ALL_PROXY", "all_proxy"]));
    Ok(Proxies {
        http: proxy_url(first(&var, ["HTTP_PROXY", "http_proxy"])).or_else(|| all.clone()),
        https: proxy_url(first(&var, ["HTTPS_PROXY", "https_proxy"])).or(all),
        no_proxy: first(&var, ["NO_PROXY", "no_proxy"]).filter(|v| !v.trim().is_empty()),
    })
}

/// Refuses a proxy variable whose scheme is not `http`/`https` (SOCKS above all).
fn refuse_unsupported_proxy(var: &impl Fn(&str) -> Option<String>) -> Result<(), UsageError> {
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

    fn vars(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k: &str| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn socks_is_refused_naming_the_variable_and_http_passes() {
        let error =
            resolve(vars(&[("ALL_PROXY", "socks5://u:secret@p:1080")])).expect_err("refused");
        assert!(error.message.contains("`ALL_PROXY`"), "{}", error.message);
        assert!(error.message.contains("socks5"), "{}", error.message);
        assert!(!error.message.contains("secret"));
        assert!(resolve(vars(&[("https_proxy", "SOCKS5H://p")])).is_err());
        assert!(resolve(vars(&[("HTTPS_PROXY", "http://p:3128")])).is_ok());
        assert!(resolve(vars(&[("HTTP_PROXY", "p:3128")])).is_ok());
        assert_eq!(resolve(|_| None).expect("ok"), Proxies::default());
    }

    #[test]
    fn precedence_follows_the_usual_lookup() {
        let proxies = resolve(vars(&[
            ("ALL_PROXY", "http://all:1"),
            ("http_proxy", "plain:2"),
            ("NO_PROXY", "localhost, .internal"),
        ]))
        .expect("resolves");
        assert_eq!(
            proxies,
            Proxies {
                http: Some("http://plain:2".into()),
                https: Some("http://all:1".into()),
                no_proxy: Some("localhost, .internal".into()),
            }
        );
        // Upper case first, even when empty.
        let proxies = resolve(vars(&[
            ("HTTPS_PROXY", ""),
            ("https_proxy", "http://lower:3"),
        ]))
        .expect("ok");
        assert_eq!(proxies.https, None);
        // A value that is no URI is no proxy: `ALL_PROXY` applies instead.
        let proxies = resolve(vars(&[
            ("HTTP_PROXY", "http://[bad"),
            ("ALL_PROXY", "http://all:5"),
        ]))
        .expect("ok");
        assert_eq!(proxies.http.as_deref(), Some("http://all:5"));
        assert_eq!(
            resolve(vars(&[("HTTP_PROXY", " ")])).expect("ok").http,
            None
        );
        // A CGI script: `HTTP_PROXY` may come from a request header.
        let proxies = resolve(vars(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://header:4"),
        ]))
        .expect("ok");
        assert_eq!(proxies, Proxies::default());
    }
}
