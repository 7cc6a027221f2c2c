public import FuzzSupport
import HeraldAvro
public import HeraldRegistry
public import HeraldRuntime
public import Logging

/// A registry over a log held in memory (`MemoryRegistryStore`), holding a few subjects — one
/// with two versions and a subject-level compatibility, one referenced by another, one in IMPORT
/// mode — and taken back to them before every input, so each input replays alike.
public final class FuzzRegistry: Sendable {
    public let store = MemoryRegistryStore()
    public let audit = MemoryAuditTrail()
    public let registry: SchemaRegistry
    private let baseline: MemoryRegistryStore.Snapshot

    public static let logger = Logger(label: "herald-fuzz") { _ in SwiftLogNoOpLogHandler() }

    public init() {
        let registry = SchemaRegistry(memory: store, audit: audit, logger: Self.logger)
        self.registry = registry
        let seeded = blocking { () async -> String? in
            do {
                _ = try await registry.register(Registration(subject: "orders-value", schema: Self.order))
                _ = try await registry.register(Registration(subject: "orders-value", schema: Self.orderWithNote))
                _ = try await registry.setCompatibility(.full, subject: "orders-value")
                _ = try await registry.register(Registration(subject: "customer", schema: Self.customer))
                _ = try await registry.register(Registration(
                    subject: "invoice-value", schema: Self.invoice,
                    references: [SchemaReference(name: "com.example.Customer", subject: "customer", version: 1)]))
                _ = try await registry.setMode(.importing, subject: "imported", force: true)
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let seeded { fuzzFailure("seeding the in-memory registry failed: \(seeded)") }
        baseline = store.snapshot()
        audit.clear()
    }

    /// Back to the seeded subjects, with an empty audit trail.
    public func reset() {
        store.rewind(to: baseline)
        audit.clear()
    }

    /// What the registry has written so far (log records, audit records): a refused request
    /// leaves both as they were.
    public var written: [Int] { [store.appendedRecords, audit.recorded.count] }

    static let order = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"}]}"#
    static let orderWithNote = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"},{"name":"amount","type":"double"},{"name":"note","type":["null","string"],"default":null}]}"#
    static let customer = #"{"type":"record","name":"Customer","namespace":"com.example","fields":[{"name":"name","type":"string"}]}"#
    static let invoice = #"{"type":"record","name":"Invoice","namespace":"com.example","fields":[{"name":"customer","type":"com.example.Customer"},{"name":"total","type":"long"}]}"#
}
