/// The keys a service knows (followed from `herald.api-keys`, plus bootstrap keys) and the check
/// of a presented credential against them. A value: the service swaps in a new ring when the
/// topic changes, and every call verifies against the ring it reads. A ring remembers the keys it
/// verified (`VerifiedKeys`), so a key presented again costs one comparison, not a parse and a hash.
public struct KeyRing: Sendable {
    private var records: [String: KeyRecord]
    /// Shared by copies of this ring while its records stay the same; replaced whenever they change.
    private var verified = VerifiedKeys()

    public init(_ records: some Sequence<KeyRecord> = []) {
        self.records = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { _, newer in newer })
    }

    public var isEmpty: Bool { records.isEmpty }
    public var all: [KeyRecord] { records.values.sorted { $0.createdAt < $1.createdAt } }
    public func record(id: String) -> KeyRecord? { records[id] }

    /// Adds or replaces a record (a later record for the same id wins, as in a compacted topic).
    /// What was verified before no longer counts: the record may revoke a key verified already.
    public mutating func apply(_ record: KeyRecord) {
        records[record.id] = record
        verified = VerifiedKeys()
    }

    public mutating func remove(id: String) {
        records[id] = nil
        verified = VerifiedKeys()
    }

    /// Who `presented` (the whole `hk_…` string, nil when the caller sent none) authenticates as.
    public func authenticate(_ presented: String?) -> Result<Principal, AuthenticationFailure> {
        guard let presented, !presented.isEmpty else { return .failure(.missing) }
        if let principal = verified.principal(presenting: presented) { return .success(principal) }
        let key: APIKey
        do { key = try APIKey(parsing: presented) } catch { return .failure(.malformed) }
        guard let record = records[key.id], record.hash.constantTimeEquals(key.hash) else { return .failure(.unknown) }
        if record.revokedAt != nil { return .failure(.revoked) }
        let principal = Principal(record)
        verified.remember(presented, as: principal)
        return .success(principal)
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
