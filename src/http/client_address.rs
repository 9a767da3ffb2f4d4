//! The address a request comes from, for the limits kept per address (anonymous budgets,
//! login throttling).
//!
//! It is the TCP peer, unless the peer is one of the operator's trusted proxies
//! (`RECTIFY_TRUSTED_PROXIES`): then it is the right-most `X-Forwarded-For` entry that is not a
//! trusted proxy itself. Entries left of that were written by the client and prove nothing.

use std::net::IpAddr;

use actix_web::HttpRequest;

/// The client's address, when the connection has one: canonical (an IPv4 peer of an IPv6
/// listener reads as IPv4), and for IPv6 its /64 network, which one subscriber holds whole
/// and could otherwise walk through to escape every per-address limit.
pub fn client_address(request: &HttpRequest, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip().to_canonical();
    Some(network_of(behind_proxies(peer, forwarded_for(request), trusted_proxies)))
}

/// An IPv6 address's /64 network (its first address); an IPv4 address itself.
fn network_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !((1u128 << 64) - 1)).into()),
    }
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
    let trusted = |address: &IpAddr| trusted_proxies.iter().any(|proxy| proxy.to_canonical() == *address);
    if !trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for entry in forwarded.into_iter().rev() {
        let Ok(address) = entry.parse::<IpAddr>().map(|address| address.to_canonical()) else { break };
        client = address;
        if !trusted(&address) {
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
        let mapped = ip("::ffff:10.0.0.1").to_canonical();
        assert_eq!(
            behind_proxies(mapped, vec!["::ffff:198.51.100.7"], &proxies),
            ip("198.51.100.7"),
            "IPv4 seen through IPv6"
        );
    }

    #[test]
    fn an_ipv6_client_is_its_64_network() {
        assert_eq!(network_of(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")), ip("2001:db8:1:2::"));
        assert_eq!(network_of(ip("2001:db8:1:2::ffff")), network_of(ip("2001:db8:1:2::1")));
        assert_eq!(network_of(ip("192.0.2.5")), ip("192.0.2.5"));
    }
}
