public import HeraldRuntime
public import Logging
import Synchronization

/// A registry store held in memory, leading and ready from the start: each write is planned by
/// `RegistryPlanner` as on the leader, its records encoded as they are appended to
/// `herald._schemas` and read back from their key and value as every replica reads them. For
/// exercising the APIs' request handling (the fuzz targets, tests) without a broker.
public final class MemoryRegistryStore: RegistryStore {
    /// What the store holds at one moment; `rewind(to:)` takes it back there.
    public struct Snapshot: Sendable {
        fileprivate var state: RegistryState
        fileprivate var appendedRecords: Int
    }

    private let contents = Mutex(Snapshot(state: RegistryState(), appendedRecords: 0))

    public init() {}

    /// Records appended by every write so far.
    public var appendedRecords: Int { contents.withLock { $0.appendedRecords } }

    public func snapshot() -> Snapshot { contents.withLock { $0 } }

    public func rewind(to snapshot: Snapshot) { contents.withLock { $0 = snapshot } }

    var state: RegistryState { contents.withLock { $0.state } }
    var isReady: Bool { true }
    var isLeader: Bool { true }

    func execute(_ decide: @Sendable (RegistryState) throws(RegistryError) -> RegistryPlanner.Plan) async throws(RegistryError) -> RegistryPlanner.Outcome {
        try contents.withLock { contents throws(RegistryError) -> RegistryPlanner.Outcome in
            let plan = try decide(contents.state)
            var read: [SchemaLogRecord] = []
            for record in plan.records {
                do {
                    read.append(try SchemaLogRecord(key: record.key, value: record.value))
                } catch {
                    // Every replica would skip this record: a write that cannot be read back is refused.
                    throw RegistryError(.storeError, "The registry planned a record its log cannot read back: \(error)")
                }
            }
            for record in read { contents.state.apply(record) }
            contents.appendedRecords += read.count
            return plan.outcome
        }
    }
}

extension SchemaRegistry {
    /// A registry whose log is held in `store`, recording its changes in `audit`.
    public convenience init(memory store: MemoryRegistryStore, audit: MemoryAuditTrail, logger: Logger) {
        self.init(store: store, audit: audit, logger: logger)
    }
}
