import Foundation

/// The SSRF guard: an endpoint URL must be http or https, and its host must not resolve to a
/// loopback, private, link-local, unspecified, multicast or otherwise non-public address unless
/// private endpoints are allowed (development and tests).
public struct EndpointAddressPolicy: Sendable {
    public var allowsPrivateAddresses: Bool

    public init(allowsPrivateAddresses: Bool) {
        self.allowsPrivateAddresses = allowsPrivateAddresses
    }

    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
    }

    /// Checks the URL's form, then (unless private addresses are allowed) every address its host
    /// resolves to, and answers the checked address the request must connect to: connecting by
    /// name would resolve it again, and a second answer (DNS rebinding) could be a private address.
    /// `nil` when there is nothing to pin: the host is an address literal, or private addresses
    /// are allowed. Resolution blocks: call it off the cooperative pool for names (see `check`).
    @discardableResult
    public func checkBlocking(_ urlString: String) throws(Refusal) -> IPAddress? {
        try checkBlocking(host: Self.parse(urlString).host)
    }

    /// `checkBlocking` for a host already parsed from its URL (`parse`).
    @discardableResult
    public func checkBlocking(host: String) throws(Refusal) -> IPAddress? {
        guard !allowsPrivateAddresses else { return nil }
        if let literal = IPAddress(host) {
            try Self.refuseUnlessPublic(literal, host: host)
            return nil
        }
        let addresses = IPAddress.resolve(host)
        guard let first = addresses.first else { throw Refusal(description: "url: host '\(host)' does not resolve") }
        for address in addresses { try Self.refuseUnlessPublic(address, host: host) }
        return first
    }

    /// `checkBlocking` on a dispatch queue, so DNS lookups never block Swift's cooperative pool.
    @discardableResult
    public func check(_ urlString: String) async throws(Refusal) -> IPAddress? {
        try await check(host: Self.parse(urlString).host)
    }

    /// `check` for a host already parsed from its URL (`parse`). Only a name to resolve leaves
    /// the calling task: allowed private addresses and address literals need no lookup.
    @discardableResult
    public func check(host: String) async throws(Refusal) -> IPAddress? {
        guard !allowsPrivateAddresses else { return nil }
        if IPAddress(host) != nil { return try checkBlocking(host: host) }
        let policy = self
        let result: Result<IPAddress?, Refusal> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: Result { () throws(Refusal) in try policy.checkBlocking(host: host) })
            }
        }
        return try result.get()
    }

    private static func refuseUnlessPublic(_ address: IPAddress, host: String) throws(Refusal) {
        let classification = address.classification
        guard classification == .public else {
            throw Refusal(description: "url: host '\(host)' resolves to \(address) (\(classification)); refused (--allow-private-endpoints permits it)")
        }
    }

    /// Scheme http or https with a host; returns the host (without brackets) and port.
    public static func parse(_ urlString: String) throws(Refusal) -> (host: String, port: Int?) {
        guard let components = URLComponents(string: urlString), let scheme = components.scheme?.lowercased() else {
            throw Refusal(description: "url: '\(urlString)' is not an absolute URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw Refusal(description: "url: scheme '\(scheme)' is not allowed; use http or https")
        }
        guard var host = components.host, !host.isEmpty else { throw Refusal(description: "url: '\(urlString)' has no host") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard components.user == nil, components.password == nil else {
            throw Refusal(description: "url: credentials in the URL are not allowed; use endpoint headers")
        }
        return (host, components.port)
    }
}

/// An IPv4 or IPv6 address and what kind of network it belongs to.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    /// 4 or 16 bytes.
    public let bytes: [UInt8]

    public enum Classification: String, Sendable, Hashable, CustomStringConvertible {
        case `public`, loopback, `private`, linkLocal = "link-local", unspecified, multicast, reserved
        public var description: String { rawValue }
    }

    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    init(bytes: [UInt8]) { self.bytes = bytes }

    public var description: String {
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        var raw = in6_addr()
        withUnsafeMutableBytes(of: &raw) { $0.copyBytes(from: bytes) }
        return inet_ntop(AF_INET6, &raw, &buffer, socklen_t(buffer.count)).map { String(cString: $0) } ?? "?"
    }

    public var classification: Classification {
        if bytes.count == 4 { return Self.classify(v4: bytes) }
        let b = bytes
        if b.allSatisfy({ $0 == 0 }) { return .unspecified }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return .loopback }
        for embedded in embeddedIPv4 {
            let classification = Self.classify(v4: embedded)
            if classification != .public { return classification }
        }
        if b[0] == 0xFF { return .multicast }
        if b[0] == 0xFE && (b[1] & 0xC0) == 0x80 { return .linkLocal }
        if (b[0] & 0xFE) == 0xFC { return .private }          // fc00::/7 unique local
        if b[0] == 0xFE && (b[1] & 0xC0) == 0xC0 { return .private }  // fec0::/10 site-local (deprecated)
        if b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8 { return .reserved } // documentation
        return .public
    }

    /// The IPv4 addresses an IPv6 address carries, which the network may route to: a request to
    /// `::ffff:127.0.0.1` or `2002:7f00:1::` reaches 127.0.0.1 as surely as the IPv4 form does.
    var embeddedIPv4: [[UInt8]] {
        guard bytes.count == 16 else { return [] }
        let b = bytes
        let last = Array(b[12..<16])
        if b[0..<10].allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF { return [last] }   // ::ffff:a.b.c.d mapped
        if b[0..<12].allSatisfy({ $0 == 0 }) { return [last] }                                       // ::a.b.c.d compatible
        if b[0..<12] == [0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0] { return [last] }           // 64:ff9b::/96 NAT64
        if b[0..<6] == [0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01] { return [last] }                         // 64:ff9b:1::/48 local NAT64
        if b[0] == 0x20 && b[1] == 0x02 { return [Array(b[2..<6])] }                                 // 2002::/16 6to4
        if b[0..<4] == [0x20, 0x01, 0x00, 0x00] {                                                    // 2001::/32 Teredo
            return [Array(b[4..<8]), last.map { $0 ^ 0xFF }]                                         // server, client (obfuscated)
        }
        return []
    }

    static func classify(v4 b: [UInt8]) -> Classification {
        switch (b[0], b[1]) {
        case (0, _): return .unspecified
        case (127, _): return .loopback
        case (10, _), (172, 16...31), (192, 168): return .private
        case (100, 64...127): return .private                  // carrier-grade NAT
        case (169, 254): return .linkLocal
        case (224...239, _): return .multicast
        case (240...255, _): return .reserved
        case (192, 0) where b[2] == 0 || b[2] == 2: return .reserved
        case (198, 18...19): return .reserved
        case (198, 51) where b[2] == 100, (203, 0) where b[2] == 113: return .reserved
        default: return .public
        }
    }

    /// Every address `host` resolves to, in the resolver's order (blocking `getaddrinfo`); empty if it does not resolve.
    public static func resolve(_ host: String) -> [IPAddress] {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return [] }
        defer { freeaddrinfo(first) }
        var addresses: [IPAddress] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if let sockaddr = info.pointee.ai_addr {
                switch Int32(info.pointee.ai_family) {
                case AF_INET:
                    sockaddr.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin_addr
                        addresses.append(IPAddress(bytes: withUnsafeBytes(of: &address) { Array($0) }))
                    }
                case AF_INET6:
                    sockaddr.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                        var address = pointer.pointee.sin6_addr
                        addresses.append(IPAddress(bytes: withUnsafeBytes(of: &address) { Array($0) }))
                    }
                default: break
                }
            }
            cursor = info.pointee.ai_next
        }
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}
