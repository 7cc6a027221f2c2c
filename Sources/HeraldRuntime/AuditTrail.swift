import Synchronization

/// How a service records the changes callers ask for: `AuditLog` (the audit topic) in the
/// services, `MemoryAuditTrail` where a service's handlers run over state held in memory.
public protocol AuditTrail: Sendable {
    /// Records `change` once its outcome is known, unless `forwarded` (the instance that
    /// received the call records it); see `AuditLog.recording`.
    func recording<Result, Failure: Error>(
        _ action: String, target: String, forwarded: Bool, detail: (Result) -> String,
        isStoreFailure: (Failure) -> Bool, _ change: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result
}

extension AuditLog: AuditTrail {}

/// The audit records of a service whose state is held in memory, kept as the audit topic's
/// records are written: a change once its outcome is known, a refusal never.
public final class MemoryAuditTrail: AuditTrail {
    private let records = Mutex<[String]>([])

    public init() {}

    /// `action target outcome`, in the order they were recorded.
    public var recorded: [String] { records.withLock { $0 } }

    public func clear() { records.withLock { $0 = [] } }

    public func recording<Result, Failure: Error>(
        _ action: String, target: String, forwarded: Bool, detail: (Result) -> String,
        isStoreFailure: (Failure) -> Bool, _ change: () async throws(Failure) -> Result
    ) async throws(Failure) -> Result {
        if forwarded { return try await change() }
        do {
            let result = try await change()
            records.withLock { $0.append("\(action) \(target) succeeded") }
            return result
        } catch {
            if isStoreFailure(error) { records.withLock { $0.append("\(action) \(target) failed") } }
            throw error
        }
    }
}
