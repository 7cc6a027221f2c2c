/// The keys a service knows (followed from `herald.api-keys`, plus bootstrap keys) and the check
/// of a presented credential against them. A value: the service swaps in a new ring when the
/// topic changes, and every call verifies against the ring it reads.
public struct KeyRing: Sendable {
    private var records: [String: KeyRecord]

    public init(_ records: some Sequence<KeyRecord> = []) {
        self.records = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { _, newer in newer })
    }

    public var isEmpty: Bool { records.isEmpty }
    public var all: [KeyRecord] { records.values.sorted { $0.createdAt < $1.createdAt } }
    public func record(id: String) -> KeyRecord? { records[id] }

    /// Adds or replaces a record (a later record for the same id wins, as in a compacted topic).
    public mutating func apply(_ record: KeyRecord) { records[record.id] = record }
    public mutating func remove(id: String) { records[id] = nil }

    /// Who `presented` (the whole `hk_…` string, nil when the caller sent none) authenticates as.
    public func authenticate(_ presented: String?) -> Result<Principal, AuthenticationFailure> {
        guard let presented, !presented.isEmpty else { return .failure(.missing) }
        let key: APIKey
        do { key = try APIKey(parsing: presented) } catch { return .failure(.malformed) }
        guard let record = records[key.id], constantTimeEqual(record.hash, key.hash) else { return .failure(.unknown) }
        if record.revokedAt != nil { return .failure(.revoked) }
        return .success(Principal(record))
    }

    /// Compares two hashes without an early exit, so response times say nothing about how much of
    /// a guessed hash matched.
    private func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return zip(lhs.utf8, rhs.utf8).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Why a credential was refused. Callers get the same answer for unknown and revoked keys
/// (UNAUTHENTICATED / 401); the distinction is for logs and metrics.
public enum AuthenticationFailure: Error, Equatable, Sendable, CustomStringConvertible {
    case missing
    case malformed
    case unknown
    case revoked

    public var description: String {
        switch self {
        case .missing: "no API key (send 'authorization: Bearer hk_…')"
        case .malformed: "malformed API key"
        case .unknown: "unknown API key"
        case .revoked: "revoked API key"
        }
    }
}
