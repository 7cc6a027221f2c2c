public import HeraldCore
public import HeraldKafka
public import Logging
public import ServiceLifecycle
import Synchronization

/// The keys a service authenticates calls with: its bootstrap keys merged with every key of the
/// compacted topic `herald.api-keys` (`KeyRing.merged`), followed while `run()` runs, so a key
/// created or revoked through the registry is known here as soon as its record is read.
///
/// Until the topic is replayed to the end it had at start, only the bootstrap keys authenticate:
/// a half-replayed topic could hold a key's creation but not yet its revocation. So a directory
/// given the service's `HealthStatus` holds it NOT_SERVING until then: a caller with a key made
/// through the registry would be refused by an instance that said it was serving. `ring` is read
/// on every call: it rebuilds the merged ring only after the topic changed.
public final class KeyDirectory: KeyRingSource, Service {
    public static let defaultTopic = "herald.api-keys"

    public let topic: String
    public let bootstrap: KeyRing
    private let table: CompactedTable<String, KeyRecord>
    private let kafka: KafkaConfiguration
    private let health: HealthStatus?
    private let logger: Logger
    private let merged = Mutex<(revision: Int, ring: KeyRing)?>(nil)

    /// - Parameters:
    ///   - bootstrap: the service's own keys (`--bootstrap-key-file`), known before and without the topic.
    ///   - topic: the compacted topic the registry writes keys to; created (one partition, compacted) if missing.
    ///   - health: the service's health, held NOT_SERVING until the topic has been replayed.
    public init(bootstrap: KeyRing, topic: String = KeyDirectory.defaultTopic, kafka: KafkaConfiguration, health: HealthStatus? = nil, logger: Logger) {
        self.topic = topic
        self.bootstrap = bootstrap
        self.kafka = kafka
        self.health = health
        self.logger = logger
        table = CompactedTable(topic: topic, configuration: kafka, logger: logger) { bytes in
            try KeyRecord(storedValue: bytes)
        }
        health?.require(replayed)
    }

    public var ring: KeyRing {
        guard table.isReady else { return bootstrap }
        let revision = table.revision
        if let current = merged.withLock({ $0?.revision == revision ? $0?.ring : nil }) { return current }
        let (latest, records) = table.versionedSnapshot()
        let ring = KeyRing.merged(bootstrap: bootstrap, followed: records.values)
        merged.withLock { cached in
            if latest > cached?.revision ?? -1 { cached = (latest, ring) }
        }
        return ring
    }

    /// The keys the topic holds (what `ListKeys` answers), without the bootstrap keys.
    public var followed: [KeyRecord] {
        table.snapshot().values.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// Whether the topic has been replayed to the end it had when `run()` started.
    public var isReady: Bool { table.isReady }

    /// Returns once the topic has been replayed; throws if following it failed first.
    public func waitUntilReady() async throws {
        try await table.waitUntilReady()
    }

    /// Returns once the directory holds `record` for its id: a write of this process read back.
    public func waitUntilHolding(_ record: KeyRecord) async throws {
        let changes = table.changes()
        if table[record.id] == record { return }
        for await change in changes {
            if case .updated(let id, let value) = change, id == record.id, value == record { return }
        }
        try Task.checkCancellation()
        throw KafkaError(code: .closed, message: "stopped following \(topic) before reading key \(record.id) back")
    }

    /// The prerequisite this directory holds its service's health with.
    private var replayed: String { "\(topic) replayed" }

    /// Creates the topic if missing, then follows it until graceful shutdown, releasing the
    /// service's health once replayed.
    public func run() async throws {
        try await KafkaAdmin.createCompactedTopic(topic, configuration: kafka, logger: logger)
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingDiscardingTaskGroup { tasks in
                    tasks.addTask { try await self.table.run() }
                    try await self.table.waitUntilReady()
                    self.health?.satisfy(self.replayed)
                }
            }
        } catch is CancellationError {
        }
    }
}

extension CallAuthentication {
    /// The keys this authentication was configured with (`--bootstrap-key-file`): a service's
    /// `KeyDirectory` starts from them. Empty when authentication is off.
    public var bootstrapKeys: KeyRing { keys?.ring ?? KeyRing() }

    /// The same checks against `directory` (the bootstrap keys merged with `herald.api-keys`), so
    /// keys created and revoked through the registry count; off stays off.
    public func following(_ directory: KeyDirectory) -> CallAuthentication {
        keys == nil ? self : .keys(directory, metricsRequireKey: metricsRequireKey)
    }
}
