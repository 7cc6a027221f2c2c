public import Foundation

/// A key as stored (in the `herald.api-keys` topic, keyed by `id`) and listed: everything but the
/// secret, which exists only as `hash`.
public struct KeyRecord: Codable, Hashable, Sendable {
    public var id: String
    public var name: String
    public var scopes: Set<Scope>
    /// Event-type patterns (`exact` or `prefix*`) a publishing key may use; empty means any.
    public var eventTypes: [String]
    /// Source patterns a publishing key may use; empty means any.
    public var sources: [String]
    /// SHA-256 of the presented key (`APIKey.hash`).
    public var hash: String
    public var createdAt: Date
    /// Set once revoked; a revoked key is refused everywhere.
    public var revokedAt: Date?

    public init(
        id: String, name: String, scopes: Set<Scope>, eventTypes: [String] = [], sources: [String] = [],
        hash: String, createdAt: Date, revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.scopes = scopes
        self.eventTypes = eventTypes
        self.sources = sources
        self.hash = hash
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// The record for a freshly generated key.
    public init(key: APIKey, name: String, scopes: Set<Scope>, eventTypes: [String] = [], sources: [String] = [], createdAt: Date) {
        self.init(id: key.id, name: name, scopes: scopes, eventTypes: eventTypes, sources: sources, hash: key.hash, createdAt: createdAt)
    }

    /// Why this record may not be created, or nil (names, scopes and patterns checked).
    public var violation: String? {
        if name.isEmpty { return "a key needs a name" }
        if scopes.isEmpty { return "a key needs at least one scope" }
        for pattern in eventTypes + sources {
            if let violation = RoutePattern.violation(pattern) { return violation }
        }
        return nil
    }
}

/// Who an authenticated call runs as: the key's id and what it may do.
public struct Principal: Hashable, Sendable {
    public let keyID: String
    public let scopes: Set<Scope>
    public let eventTypes: [String]
    public let sources: [String]

    public init(_ record: KeyRecord) {
        keyID = record.id
        scopes = record.scopes
        eventTypes = record.eventTypes
        sources = record.sources
    }

    public func has(_ scope: Scope) -> Bool { scopes.contains(scope) }

    /// Whether this key may publish an event of `type` from `source` (its narrowing patterns).
    public func mayPublish(type: String, source: String) -> Bool {
        has(.eventsPublish)
            && (eventTypes.isEmpty || eventTypes.contains { RoutePattern($0).matches(type) })
            && (sources.isEmpty || sources.contains { RoutePattern($0).matches(source) })
    }
}
