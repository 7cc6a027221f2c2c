public import GRPCNIOTransportHTTP2Posix

extension ServiceAddress {
    /// Where a gRPC client connects: an IP literal as itself, a name through DNS. An IP literal
    /// must not go through DNS resolution, because the client would then send it as the TLS server
    /// name, which TLS forbids (the handshake fails before it starts); the certificate is checked
    /// against the address instead.
    public var grpcTarget: any ResolvableTarget {
        if host.contains(":") { return .ipv6(address: host, port: port) }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) { return .ipv4(address: host, port: port) }
        return .dns(host: host, port: port)
    }
}
