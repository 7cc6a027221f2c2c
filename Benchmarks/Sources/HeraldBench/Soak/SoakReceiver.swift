import Hummingbird
import HeraldRuntime
import Logging
import ServiceLifecycle
import Synchronization

/// The soak's webhook receiver: answers 200 and only counts requests, so its own memory stays
/// flat however many events go through (the other receivers keep every request or webhook-id).
final class SoakReceiver: Sendable {
    let url: String
    private let counter: RequestCounter
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private final class RequestCounter: Sendable {
        let value = Atomic<Int>(0)
    }

    private init(url: String, counter: RequestCounter, group: ServiceGroup, task: Task<Void, any Error>) {
        self.url = url
        self.counter = counter
        self.group = group
        self.task = task
    }

    static func start(logger: Logger) async throws -> SoakReceiver {
        let counter = RequestCounter()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            _ = try await request.body.collect(upTo: 1 << 20)
            counter.value.add(1, ordering: .relaxed)
            return Response(status: .ok)
        }
        let (application, port) = HeraldHTTP.application(router: router, host: "127.0.0.1", port: 0, serverName: "herald-bench-soak-receiver", logger: logger)
        let group = ServiceGroup(services: [application], logger: logger)
        let task = Task { try await group.run() }
        return SoakReceiver(url: "http://127.0.0.1:\(await port.value)/hook", counter: counter, group: group, task: task)
    }

    /// Webhook requests received so far.
    var received: Int { counter.value.load(ordering: .relaxed) }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
