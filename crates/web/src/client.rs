//! The client's address, for the audit log, sign-in throttling and the
//! public form's limit.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The address a request came from, when known.
#[derive(Debug, Clone, Default)]
pub struct ClientAddr(pub Option<String>);

/// Records the client address: the socket's peer, or behind trusted
/// proxies the address the outermost of them added to `X-Forwarded-For`.
pub async fn record_client_addr(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let proxies = state.app.settings.forwarding_proxies();
    let client = client_address(peer, request.headers(), proxies);
    request
        .extensions_mut()
        .insert(ClientAddr(client.map(|ip| ip.to_string())));
    next.run(request).await
}

/// Each proxy appends the address it received the request from, so with
/// `proxies` trusted proxies the client is the entry that many from the
/// right; entries further left are whatever the client sent. With fewer
/// entries than proxies the request skipped the outer ones, and the
/// left-most entry is the best there is. An entry that is not an address
/// (a trusted proxy never writes one) leaves the connecting address.
fn client_address(peer: Option<IpAddr>, headers: &HeaderMap, proxies: u32) -> Option<IpAddr> {
    if proxies == 0 {
        return peer;
    }
    // Repeated header lines are one comma-separated list, in order.
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let back = usize::try_from(proxies).unwrap_or(usize::MAX);
    let chosen = entries
        .len()
        .checked_sub(back)
        .map_or(entries.first(), |i| entries.get(i));
    chosen.and_then(|entry| parse_address(entry)).or(peer)
}

/// `203.0.113.7`, `2001:db8::1`, or either with a port (`[2001:db8::1]:443`).
fn parse_address(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(lines: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for line in lines {
            map.append("x-forwarded-for", line.parse().unwrap());
        }
        map
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_outermost_trusted_proxy_names_the_client() {
        let peer = ip("10.0.0.1");
        let forged = headers(&["6.6.6.6, 203.0.113.7"]);
        assert_eq!(client_address(peer, &forged, 0), peer);
        assert_eq!(client_address(peer, &forged, 1), ip("203.0.113.7"));
        assert_eq!(client_address(peer, &forged, 2), ip("6.6.6.6"));
        assert_eq!(
            client_address(peer, &forged, 3),
            ip("6.6.6.6"),
            "fewer entries than proxies: the left-most"
        );
        assert_eq!(
            client_address(peer, &headers(&["6.6.6.6", "203.0.113.7:51000"]), 1),
            ip("203.0.113.7")
        );
        assert_eq!(client_address(peer, &headers(&[]), 1), peer);
        assert_eq!(client_address(peer, &headers(&["unknown"]), 1), peer);
        assert_eq!(
            client_address(None, &headers(&["[2001:db8::1]:443"]), 1),
            ip("2001:db8::1")
        );
    }
}
