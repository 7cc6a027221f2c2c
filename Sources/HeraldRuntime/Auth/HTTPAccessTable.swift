public import HeraldCore

/// Which scope each HTTP route needs, keyed by method and route pattern as the router matched it
/// (`POST /subjects/{subject}/versions`). A matched route without a rule is refused whatever the
/// key (fail closed); a path no route matches is left to answer 404.
public struct HTTPAccessTable: Sendable {
    public let rules: [String: AccessRule]

    public init(_ rules: [String: AccessRule]) {
        self.rules = rules
    }

    public func rule(method: String, path: String) -> AccessRule? { rules[Self.key(method: method, path: path)] }

    public static func key(method: String, path: String) -> String { "\(method) \(path)" }

    public func merging(_ other: HTTPAccessTable) -> HTTPAccessTable {
        HTTPAccessTable(rules.merging(other.rules) { _, theirs in theirs })
    }

    /// What every service's HTTP port serves: `/healthz` open (probes hold no key), `/metrics`
    /// open for scrapers unless `metricsRequireKey`.
    public static func standard(metricsRequireKey: Bool) -> HTTPAccessTable {
        HTTPAccessTable([
            key(method: "GET", path: "/healthz"): .open,
            key(method: "GET", path: "/metrics"): metricsRequireKey ? .requires(.metricsRead) : .open,
        ])
    }
}
