//! The address a request comes from, for the limits kept per address (anonymous budgets,
//! login throttling).
//!
//! It is the TCP peer, unless the peer is one of the operator's trusted proxies
//! (`RECTIFY_TRUSTED_PROXIES`): then it is the right-most `X-Forwarded-For` entry that is not a
//! trusted proxy itself. Entries left of that were written by the client and prove nothing.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The client's address, when the connection has one.
pub fn client_address(request: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    Some(behind_proxies(peer, forwarded_for(request), trusted_proxies))
}

/// Every `X-Forwarded-For` entry, in order, across repeated headers.
fn forwarded_for(request: &HttpRequest) -> Vec<&str> {
    request
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect()
}

fn behind_proxies(peer: IpAddr, forwarded: Vec<&str>, trusted_proxies: &[IpAddr]) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded.into_iter().rev() {
        let Ok(address) = entry.parse::<IpAddr>() else { break };
        client = address;
        if !trusted_proxies.contains(&address) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(behind_proxies(ip("203.0.113.9"), vec!["10.1.1.1"], &[ip("10.0.0.1")]), ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_client_is_the_first_untrusted_hop_from_the_right() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        let forwarded = vec!["1.2.3.4", "198.51.100.7", "10.0.0.2"];
        assert_eq!(
            behind_proxies(ip("10.0.0.1"), forwarded, &proxies),
            ip("198.51.100.7"),
            "1.2.3.4 is the client's claim"
        );
        assert_eq!(behind_proxies(ip("10.0.0.1"), vec![], &proxies), ip("10.0.0.1"));
        assert_eq!(behind_proxies(ip("10.0.0.1"), vec!["garbage"], &proxies), ip("10.0.0.1"));
    }
}
