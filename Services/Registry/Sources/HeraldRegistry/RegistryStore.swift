import HeraldRuntime

/// Where the registry's state is kept and how the writes it plans are stored: what
/// `SchemaRegistry` reads and writes through. The service keeps its state in `herald._schemas`
/// (`LogRegistryStore`); `MemoryRegistryStore` keeps the same records in memory.
protocol RegistryStore: Sendable {
    /// Everything applied so far.
    var state: RegistryState { get }
    /// Whether `state` is complete enough to answer reads (the log replayed to its end at start).
    var isReady: Bool { get }
    /// Whether writes are carried out here; otherwise they are forwarded to the leader.
    var isLeader: Bool { get }
    /// Plans a write against the current state and stores its records; returns once `state`
    /// includes them.
    func execute(_ decide: @Sendable (RegistryState) throws(RegistryError) -> RegistryPlanner.Plan) async throws(RegistryError) -> RegistryPlanner.Outcome
}

/// The service's store: this instance's replica of the log, written by the elected leader.
struct LogRegistryStore: RegistryStore {
    let log: SchemaLog
    let leader: RegistryLeader

    var state: RegistryState { log.state }
    var isReady: Bool { log.isReady }
    var isLeader: Bool { leader.isLeader }

    func execute(_ decide: @Sendable (RegistryState) throws(RegistryError) -> RegistryPlanner.Plan) async throws(RegistryError) -> RegistryPlanner.Outcome {
        try await leader.execute(decide)
    }
}
