public import GRPCCore
public import HeraldProtos
import SwiftProtobuf
import Synchronization

/// The serving status of a process's services, reported through the standard gRPC health service
/// and `/healthz`. A service starts NOT_SERVING and says SERVING once it can answer correctly
/// (e.g. after replaying its compacted topics). A prerequisite (`require`) holds every service
/// NOT_SERVING until it is satisfied, whatever the services say: what a whole process needs
/// before it answers correctly, such as the API keys of `herald.api-keys` (`KeyDirectory`).
public final class HealthStatus: Sendable {
    public typealias Status = Grpc_Health_V1_HealthCheckResponse.ServingStatus

    private struct State {
        /// What each named service said; reported as is once no prerequisite is pending.
        var said: [String: Status] = [:]
        var pending: Set<String> = []
        var watchers: [Int: (service: String, continuation: AsyncStream<Status>.Continuation)] = [:]
        var nextWatcher = 0
        /// After `shutDown`, a new watcher gets the status and its stream ends at once.
        var isShutDown = false

        /// The status reported for `service` (the empty name: all of them); nil when unknown.
        func reported(_ service: String) -> Status? {
            if service.isEmpty {
                return !said.isEmpty && said.values.allSatisfy { $0 == .serving } && pending.isEmpty ? .serving : .notServing
            }
            guard let status = said[service] else { return nil }
            return status == .serving && !pending.isEmpty ? .notServing : status
        }

        func notifyWatchers() {
            for watcher in watchers.values {
                if let current = reported(watcher.service) { watcher.continuation.yield(current) }
            }
        }
    }

    private let state = Mutex(State())

    /// - Parameter services: fully qualified gRPC service names, e.g. `herald.v1.Registry`.
    ///   The overall status (the empty name) is SERVING only when all of them are.
    public init(services: [String]) {
        state.withLock { state in
            for service in services { state.said[service] = .notServing }
        }
    }

    public func set(_ status: Status, for service: String) {
        state.withLock { state in
            state.said[service] = status
            state.notifyWatchers()
        }
    }

    /// Holds every service NOT_SERVING until `satisfy(prerequisite)`.
    public func require(_ prerequisite: String) {
        state.withLock { state in
            state.pending.insert(prerequisite)
            state.notifyWatchers()
        }
    }

    /// Releases the hold of `require(prerequisite)`; the services report what they said.
    public func satisfy(_ prerequisite: String) {
        state.withLock { state in
            guard state.pending.remove(prerequisite) != nil else { return }
            state.notifyWatchers()
        }
    }

    /// Marks every service, e.g. NOT_SERVING on shutdown.
    public func setAll(_ status: Status) {
        state.withLock { state in
            for name in state.said.keys { state.said[name] = status }
            state.notifyWatchers()
        }
    }

    /// Marks everything NOT_SERVING and ends every `Watch` stream, so that a graceful shutdown
    /// of the gRPC server is not held open by watchers.
    public func shutDown() {
        setAll(.notServing)
        let watchers = state.withLock { state in
            state.isShutDown = true
            defer { state.watchers.removeAll() }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.continuation.finish() }
    }

    /// nil when the service is unknown.
    public func status(of service: String) -> Status? {
        state.withLock { $0.reported(service) }
    }

    public var all: [String: Status] {
        state.withLock { state in
            Dictionary(uniqueKeysWithValues: (Array(state.said.keys) + [""]).compactMap { name in state.reported(name).map { (name, $0) } })
        }
    }

    public var isServing: Bool { status(of: "") == .serving }

    /// The current status, then every change, until the consumer stops iterating.
    func updates(for service: String) -> AsyncStream<Status> {
        let (stream, continuation) = AsyncStream.makeStream(of: Status.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLock { state in
            let id = state.nextWatcher
            state.nextWatcher += 1
            continuation.yield(state.reported(service) ?? .serviceUnknown)
            if state.isShutDown {
                continuation.finish()
            } else {
                state.watchers[id] = (service, continuation)
            }
            return id
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }
}

/// `grpc.health.v1.Health` over a `HealthStatus`.
public struct HealthService: Grpc_Health_V1_Health.SimpleServiceProtocol {
    let status: HealthStatus

    public init(status: HealthStatus) {
        self.status = status
    }

    public func check(
        request: Grpc_Health_V1_HealthCheckRequest,
        context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthCheckResponse {
        guard let current = status.status(of: request.service) else {
            throw RPCError(code: .notFound, message: "unknown service '\(request.service)'")
        }
        return .with { $0.status = current }
    }

    public func list(
        request: Grpc_Health_V1_HealthListRequest,
        context: ServerContext
    ) async throws -> Grpc_Health_V1_HealthListResponse {
        .with { response in
            for (name, current) in status.all {
                response.statuses[name] = .with { $0.status = current }
            }
        }
    }

    public func watch(
        request: Grpc_Health_V1_HealthCheckRequest,
        response: RPCWriter<Grpc_Health_V1_HealthCheckResponse>,
        context: ServerContext
    ) async throws {
        for await current in status.updates(for: request.service) {
            try await response.write(.with { $0.status = current })
        }
    }
}
