public import GRPCCore
public import HeraldCore
import HeraldKafka
public import HeraldRuntime
import Synchronization

/// Where the Keys API reads keys and how the key changes it decides are stored: the service
/// follows `herald.api-keys` and writes through the registry leader (`LeaderKeyStore`);
/// `MemoryKeyStore` keeps the same records in memory.
protocol KeyStore: Sendable {
    /// The keys calls see (bootstrap keys merged with the stored ones); UNAVAILABLE until the
    /// stored keys have been read.
    func readableRing() throws(RPCError) -> KeyRing
    /// Decides against the keys as they are once every earlier write is read back, stores the
    /// record decided on, and returns once `readableRing()` holds it.
    func store(_ decide: @Sendable (KeyRing) throws -> KeyDecision) async throws -> KeyRecord
}

/// The service's key store: this instance's `KeyDirectory`, written by the leader in a transaction.
struct LeaderKeyStore: KeyStore {
    let directory: KeyDirectory
    let leader: RegistryLeader

    func readableRing() throws(RPCError) -> KeyRing {
        guard directory.isReady else {
            throw RPCError(code: .unavailable, message: "The registry is still reading \(directory.topic); retry shortly.")
        }
        return directory.ring
    }

    func store(_ decide: @Sendable (KeyRing) throws -> KeyDecision) async throws -> KeyRecord {
        let directory = directory
        return try await leader.withProducer(writing: directory.topic) { producer in
            let decision = try decide(try readableRing())
            guard case .write(let record) = decision else { return decision.record }
            let delivery = try await producer.withTransaction { transaction in
                try await transaction.send(ProducerRecord(
                    topic: directory.topic, key: Array(record.id.utf8), value: record.storedValue()))
            }
            _ = try await delivery.report.offset
            try await directory.waitUntilHolding(record)
            return record
        }
    }
}

/// Keys held in memory, ready from the start: each record stored is encoded as it is written to
/// `herald.api-keys` and read back from that value, as every service's `KeyDirectory` reads it.
/// For exercising the Keys API's request handling (the fuzz targets) without a broker.
public final class MemoryKeyStore: KeyStore {
    private let bootstrap: KeyRing
    private let followed = Mutex<[String: KeyRecord]>([:])
    private let written = Mutex(0)

    public init(bootstrap: KeyRing = KeyRing()) {
        self.bootstrap = bootstrap
    }

    /// Records stored so far.
    public var storedRecords: Int { written.withLock { $0 } }

    /// The stored keys (without the bootstrap keys), by id.
    public var stored: [String: KeyRecord] {
        get { followed.withLock { $0 } }
        set { followed.withLock { $0 = newValue } }
    }

    func readableRing() throws(RPCError) -> KeyRing {
        KeyRing.merged(bootstrap: bootstrap, followed: followed.withLock { Array($0.values) })
    }

    func store(_ decide: @Sendable (KeyRing) throws -> KeyDecision) async throws -> KeyRecord {
        try followed.withLock { followed in
            let decision = try decide(KeyRing.merged(bootstrap: bootstrap, followed: Array(followed.values)))
            guard case .write(let record) = decision else { return decision.record }
            // A record that does not read back as written would leave the writer waiting for it
            // for ever (`KeyDirectory.waitUntilHolding`), so it is refused here as a fault.
            guard let read = try? KeyRecord(storedValue: record.storedValue()), read == record else {
                throw RPCError(code: .internalError, message: "key \(record.id) does not read back as it was stored")
            }
            followed[read.id] = read
            written.withLock { $0 += 1 }
            return read
        }
    }
}

extension SchemaRegistry {
    /// `herald.v1.Keys` over keys held in `keys`, writing while this registry leads, recording
    /// its changes in `audit`: the service's handlers without a broker.
    public func keysService(memory keys: MemoryKeyStore, audit: MemoryAuditTrail) -> any RegistrableRPCService {
        KeysGRPCService(keys: KeyAdministration(keys: keys, registry: self, audit: audit))
    }
}
