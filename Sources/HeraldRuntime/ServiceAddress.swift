/// A `host:port` address of a Herald service (`--registry-url`, `--producer-url`, a leader's
/// announced address). Accepts an optional `grpc://` or `http://` prefix, a trailing `/`, and
/// bracketed IPv6 hosts (`[::1]:50050`).
public struct ServiceAddress: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public init(_ address: String) throws(Invalid) {
        var rest = Substring(address)
        for scheme in ["grpc://", "http://"] where rest.hasPrefix(scheme) { rest = rest.dropFirst(scheme.count) }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else {
            throw Invalid(description: "address '\(address)' is not host:port")
        }
        var host = rest[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty else { throw Invalid(description: "address '\(address)' has no host") }
        self.host = String(host)
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
