public import GRPCCore
import HeraldCore
import HeraldKafka
public import HeraldProtos
public import HeraldRuntime
import SwiftProtobuf
import Synchronization

/// Where the Router API reads routes and how it stores a change: the service follows
/// `herald.routes` (`RouteCatalog`) and writes its records with an idempotent producer
/// (`TopicRouteStore`); `MemoryRouteStore` keeps the same records in memory.
protocol RouteStore: Sendable {
    /// This instance's copy of route `id`.
    func route(_ id: String) -> Herald_V1_Route?
    /// Every route, by id.
    func all() -> [Herald_V1_Route]
    /// Writes route `id`'s record (`nil`: its tombstone); UNAVAILABLE when it was not stored.
    /// The copy read by `route(_:)` shows it some time after.
    func write(id: String, value: [UInt8]?) async throws(RPCError)
}

/// The service's routes: the table followed from `herald.routes`, written to by `producer`.
struct TopicRouteStore: RouteStore {
    let catalog: RouteCatalog
    let producer: KafkaProducer
    let topic: String
    let partitions: Int

    func route(_ id: String) -> Herald_V1_Route? { catalog.route(id) }

    func all() -> [Herald_V1_Route] { catalog.all() }

    func write(id: String, value: [UInt8]?) async throws(RPCError) {
        let keyBytes = Array(id.utf8)
        do {
            _ = try await producer.send(ProducerRecord(
                topic: topic, partition: Murmur2.partition(forKey: keyBytes, partitionCount: partitions), key: keyBytes, value: value))
        } catch {
            throw RPCError(code: .unavailable, message: "the route was not stored: \(error)")
        }
    }
}

/// Routes held in memory: each record written is read back from its value as `RouteCatalog`
/// reads `herald.routes` (a value it cannot read is skipped there, so it is not applied here).
/// For exercising the Router API's request handling (the fuzz targets) without a broker.
public final class MemoryRouteStore: RouteStore {
    private let table = Mutex<(routes: [String: Herald_V1_Route], written: Int)>(([:], 0))

    public init() {}

    /// Records written so far.
    public var writtenRecords: Int { table.withLock { $0.written } }

    /// The routes by id; setting them replaces the table without counting a write.
    public var routes: [String: Herald_V1_Route] {
        get { table.withLock { $0.routes } }
        set { table.withLock { $0.routes = newValue } }
    }

    func route(_ id: String) -> Herald_V1_Route? { table.withLock { $0.routes[id] } }

    func all() -> [Herald_V1_Route] { table.withLock { $0.routes.values.sorted { $0.id < $1.id } } }

    func write(id: String, value: [UInt8]?) async throws(RPCError) {
        table.withLock { table in
            table.written += 1
            if let value {
                if let route = try? Herald_V1_Route(serializedBytes: value) { table.routes[id] = route }
            } else {
                table.routes[id] = nil
            }
        }
    }
}

extension RouterServer {
    /// `herald.v1.Router` over routes held in `routes`, recording its changes in `audit`: the
    /// service's handlers without a broker.
    public static func routerService(memory routes: MemoryRouteStore, audit: MemoryAuditTrail) -> any RegistrableRPCService {
        RouterGRPCService(routes: routes, applyTimeout: .seconds(5), audit: audit)
    }
}
