import HeraldRuntime
import Hummingbird
import Logging
import Synchronization

/// A real OTLP/HTTP trace collector (hummingbird): takes `POST /v1/traces` export requests in
/// protobuf and keeps their spans; a request it cannot read is answered 400 and counted.
public final class OTLPReceiver: Sendable {
    private final class Collected: Sendable {
        struct State {
            var spans: [ExportedSpan] = []
            var malformed: [String] = []
        }

        let state = Mutex(State())
    }

    private let collected: Collected
    private let group: RunningGroup
    public let port: Int

    /// What `--otel-endpoint` takes.
    public var url: String { "http://127.0.0.1:\(port)/v1/traces" }

    public var spans: [ExportedSpan] { collected.state.withLock { $0.spans } }
    /// Why each unreadable export request was refused.
    public var malformed: [String] { collected.state.withLock { $0.malformed } }

    public static func start() async throws -> OTLPReceiver {
        let collected = Collected()
        let router = Router()
        router.post("v1/traces") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 16 << 20)
            do {
                let spans = try OTLPTraceRequest.spans(in: Array(buffer: body))
                collected.state.withLock { $0.spans += spans }
            } catch {
                collected.state.withLock { $0.malformed.append("\(error)") }
                return Response(status: .badRequest)
            }
            // An empty ExportTraceServiceResponse: every span accepted.
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf"])
        }
        let logger = Logger(label: "test-otlp-receiver")
        let (application, bound) = HeraldHTTP.application(router: router, host: "127.0.0.1", port: 0, serverName: "test-otlp-receiver", logger: logger)
        let group = RunningGroup([application], logger: logger)
        return OTLPReceiver(collected: collected, group: group, port: await bound.value)
    }

    private init(collected: Collected, group: RunningGroup, port: Int) {
        self.collected = collected
        self.group = group
        self.port = port
    }

    public func stop() async throws {
        try await group.stop()
    }
}
