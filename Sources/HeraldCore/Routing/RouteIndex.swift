/// One route as the matcher sees it (the `herald.v1.Route` message without the wire types).
///
/// Every non-empty part of the filter must match; an empty list or map matches everything.
public struct RouteRule: Hashable, Sendable {
    public var id: String
    /// Patterns for the event type: exact, or a prefix ending in `*` (`*` alone matches any type).
    public var types: [String]
    /// Patterns for the event source, as for `types`.
    public var sources: [String]
    /// The event's subject must start with this; empty matches any subject (also an absent one).
    public var subjectPrefix: String
    /// Each listed extension must be present on the event with exactly this value.
    public var extensions: [String: String]
    public var endpointIDs: [String]
    public var enabled: Bool

    public init(
        id: String,
        types: [String] = [],
        sources: [String] = [],
        subjectPrefix: String = "",
        extensions: [String: String] = [:],
        endpointIDs: [String],
        enabled: Bool = true
    ) {
        self.id = id
        self.types = types
        self.sources = sources
        self.subjectPrefix = subjectPrefix
        self.extensions = extensions
        self.endpointIDs = endpointIDs
        self.enabled = enabled
    }

    /// Whether `event` satisfies every part of the filter (ignores `enabled`).
    public func matches(_ event: EventAttributes) -> Bool {
        RoutePattern.anyMatches(types, event.type)
            && RoutePattern.anyMatches(sources, event.source)
            && (subjectPrefix.isEmpty || event.subject.utf8.starts(with: subjectPrefix.utf8))
            && extensions.allSatisfy { event.extensions[$0.key] == $0.value }
    }

    /// The first problem with the rule, naming the field as the API does (`route.filter.types[1]`), or nil.
    public var violation: String? {
        if id.isEmpty { return "route.id: must not be empty" }
        if id.utf8.count > 256 { return "route.id: longer than 256 bytes" }
        for (field, patterns) in [("types", types), ("sources", sources)] {
            for (index, pattern) in patterns.enumerated() {
                if let problem = RoutePattern.violation(pattern) { return "route.filter.\(field)[\(index)]: \(problem)" }
            }
        }
        for name in extensions.keys.sorted() where name.isEmpty {
            return "route.filter.extensions: an extension name is empty"
        }
        if endpointIDs.isEmpty { return "route.endpoint_ids: name at least one endpoint" }
        for (index, endpoint) in endpointIDs.enumerated() where endpoint.isEmpty {
            return "route.endpoint_ids[\(index)]: must not be empty"
        }
        return nil
    }
}

/// `exact` or `prefix*` (docs/API.md, `herald.v1.Router`).
public enum RoutePattern: Hashable, Sendable {
    case exact(String)
    /// Matches every value starting with the prefix (the empty prefix matches everything).
    case prefix(String)

    public init(_ text: String) {
        if text.hasSuffix("*") { self = .prefix(String(text.dropLast())) } else { self = .exact(text) }
    }

    public func matches(_ value: String) -> Bool {
        switch self {
        case .exact(let exact): value == exact
        case .prefix(let prefix): value.utf8.starts(with: prefix.utf8)
        }
    }

    static func anyMatches(_ patterns: [String], _ value: String) -> Bool {
        patterns.isEmpty || patterns.contains { RoutePattern($0).matches(value) }
    }

    /// Why `text` is not a valid pattern, or nil.
    public static func violation(_ text: String) -> String? {
        if text.isEmpty { return "a pattern must not be empty (leave the list empty to match everything)" }
        if text.dropLast().contains("*") { return "'*' may only end a pattern (\"\(text)\")" }
        return nil
    }
}

/// One (route, endpoint) pair an event goes to.
public struct RouteTarget: Hashable, Sendable {
    public var routeID: String
    public var endpointID: String

    public init(routeID: String, endpointID: String) {
        self.routeID = routeID
        self.endpointID = endpointID
    }
}

/// The enabled routes compiled for matching, so that the cost of matching an event depends on the
/// routes that could match it, not on how many routes exist.
///
/// Each rule is filed under one key: its type patterns if it has any, else its source patterns,
/// else the short list of rules that constrain neither. Exact patterns go into a hash map and
/// prefix patterns into a byte trie, so looking up an event walks its type and its source once
/// each; only the rules found there are checked against the whole filter.
public struct RouteIndex: Sendable {
    private let rules: [RouteRule]
    private let byType: PatternIndex
    private let bySource: PatternIndex
    private let unconstrained: [Int]

    public init(_ routes: some Sequence<RouteRule>) {
        // Sorted by id, so results come in a stable order whatever order the routes arrived in.
        let rules = routes.filter(\.enabled).sorted { $0.id < $1.id }
        var byType = PatternIndex()
        var bySource = PatternIndex()
        var unconstrained: [Int] = []
        for (index, rule) in rules.enumerated() {
            if !rule.types.isEmpty {
                for pattern in rule.types { byType.insert(RoutePattern(pattern), rule: index) }
            } else if !rule.sources.isEmpty {
                for pattern in rule.sources { bySource.insert(RoutePattern(pattern), rule: index) }
            } else {
                unconstrained.append(index)
            }
        }
        self.rules = rules
        self.byType = byType
        self.bySource = bySource
        self.unconstrained = unconstrained
    }

    public static let empty = RouteIndex([])

    /// Enabled routes in the index.
    public var count: Int { rules.count }

    /// The rules worth checking for `event` (indices into the id-sorted rules, ascending, unique).
    /// Exposed so tests can see that the candidates do not grow with unrelated routes.
    public func candidates(for event: EventAttributes) -> [Int] {
        var found = unconstrained
        byType.collect(event.type, into: &found)
        bySource.collect(event.source, into: &found)
        found.sort()
        var unique: [Int] = []
        unique.reserveCapacity(found.count)
        for index in found where unique.last != index { unique.append(index) }
        return unique
    }

    /// The routes `event` matches, ordered by route id.
    public func matchingRules(_ event: EventAttributes) -> [RouteRule] {
        candidates(for: event).lazy.map { rules[$0] }.filter { $0.matches(event) }
    }

    /// One target per (matching route, endpoint), ordered by route id then as the route lists its
    /// endpoints; an endpoint a route names twice counts once.
    public func targets(for event: EventAttributes) -> [RouteTarget] {
        var targets: [RouteTarget] = []
        for index in candidates(for: event) {
            let rule = rules[index]
            guard rule.matches(event) else { continue }
            for (position, endpoint) in rule.endpointIDs.enumerated()
            where !rule.endpointIDs[..<position].contains(endpoint) {
                targets.append(RouteTarget(routeID: rule.id, endpointID: endpoint))
            }
        }
        return targets
    }
}

/// Exact values in a hash map, prefixes in a trie over UTF-8 bytes.
struct PatternIndex: Sendable {
    private var exact: [String: [Int]] = [:]
    /// Trie nodes; node 0 is the root (the empty prefix).
    private var children: [[UInt8: Int32]] = [[:]]
    private var rulesAt: [[Int]] = [[]]
    private var hasPrefixes = false

    mutating func insert(_ pattern: RoutePattern, rule: Int) {
        switch pattern {
        case .exact(let value):
            exact[value, default: []].append(rule)
        case .prefix(let prefix):
            hasPrefixes = true
            var node = 0
            for byte in prefix.utf8 {
                if let next = children[node][byte] {
                    node = Int(next)
                } else {
                    children.append([:])
                    rulesAt.append([])
                    children[node][byte] = Int32(children.count - 1)
                    node = children.count - 1
                }
            }
            rulesAt[node].append(rule)
        }
    }

    /// Appends every rule whose pattern matches `value`.
    func collect(_ value: String, into found: inout [Int]) {
        if let rules = exact[value] { found.append(contentsOf: rules) }
        guard hasPrefixes else { return }
        var node = 0
        found.append(contentsOf: rulesAt[0])
        for byte in value.utf8 {
            guard let next = children[node][byte] else { return }
            node = Int(next)
            found.append(contentsOf: rulesAt[node])
        }
    }
}
