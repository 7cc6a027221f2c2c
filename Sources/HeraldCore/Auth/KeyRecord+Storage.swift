public import Foundation

/// How a `KeyRecord` is stored as the value of a `herald.api-keys` record (the record key is the
/// key id): one JSON object with sorted members, scopes sorted, times in whole milliseconds since
/// the Unix epoch, `revoked_at_ms` absent while the key is active:
///
///     {"created_at_ms":1765081800123,"event_types":["com.example.billing.*"],"hash":"<sha-256 hex>",
///      "id":"<16 hex>","name":"billing","scopes":["events:publish"],"sources":[]}
///
/// Decoding refuses what could not have been written: an unknown scope, a malformed id or hash.
extension KeyRecord {
    private struct Stored: Codable {
        var id: String
        var name: String
        var scopes: [String]
        var event_types: [String]
        var sources: [String]
        var hash: String
        var created_at_ms: Int64
        var revoked_at_ms: Int64?
    }

    /// The stored form (see the type's documentation).
    public func storedValue() -> [UInt8] {
        let stored = Stored(
            id: id, name: name, scopes: scopes.sorted().map(\.rawValue), event_types: eventTypes, sources: sources,
            hash: hash, created_at_ms: Self.milliseconds(createdAt), revoked_at_ms: revokedAt.map(Self.milliseconds))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, arrays and integers cannot fail.
        return Array((try? encoder.encode(stored)) ?? Data())
    }

    /// Reads a stored record; throws for anything `storedValue()` could not have produced.
    public init(storedValue bytes: [UInt8]) throws {
        let stored = try JSONDecoder().decode(Stored.self, from: Data(bytes))
        guard APIKey.isValidID(stored.id) else { throw APIKeyError.malformed("stored key id '\(stored.id)'") }
        guard stored.hash.count == 64, stored.hash.allSatisfy(\.isLowercaseHexDigit) else {
            throw APIKeyError.malformed("stored hash of key \(stored.id)")
        }
        var scopes: Set<Scope> = []
        for name in stored.scopes { scopes.insert(try Scope(parsing: name)) }
        self.init(
            id: stored.id, name: stored.name, scopes: scopes, eventTypes: stored.event_types, sources: stored.sources,
            hash: stored.hash, createdAt: Self.date(milliseconds: stored.created_at_ms),
            revokedAt: stored.revoked_at_ms.map(Self.date(milliseconds:)))
    }

    /// `date` as stored: whole milliseconds, so a record survives a round trip through the topic unchanged.
    public static func storedTime(_ date: Date) -> Date {
        self.date(milliseconds: milliseconds(date))
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
