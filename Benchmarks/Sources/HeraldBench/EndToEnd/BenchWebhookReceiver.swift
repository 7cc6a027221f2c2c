import Foundation
import HeraldDelivery
import HeraldRuntime
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The webhook receiver both sides deliver to: a real HTTP server that verifies each request's
/// Standard Webhooks signature, reads the CloudEvent's `id` to find which scheduled event it
/// carries, and notes when each distinct `webhook-id` first arrived. It answers 200 at once.
final class BenchWebhookReceiver: Sendable {
    /// What the current run received.
    struct Tally: Sendable {
        var runPrefix = ""
        /// First arrival per event index (the event ids are `<run prefix><index>`).
        var arrivals: [ContinuousClock.Instant?] = []
        var webhookIDs = Set<String>()
        var repeats = 0
        var badSignatures = 0
        /// Requests whose event belongs to no run (a late repeat of an earlier run's event).
        var strays = 0
    }

    let url: String
    private let tally: LockedValue<Tally>
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    private init(url: String, tally: LockedValue<Tally>, group: ServiceGroup, task: Task<Void, any Error>) {
        self.url = url
        self.tally = tally
        self.group = group
        self.task = task
    }

    static func start(secret: WebhookSecret, logger: Logger) async throws -> BenchWebhookReceiver {
        let tally = LockedValue(Tally())
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let body = Array(buffer: try await request.body.collect(upTo: 1 << 20))
            let received = ContinuousClock.now
            func header(_ name: String) -> String { request.headers.first { $0.name.canonicalName == name }?.value ?? "" }
            let webhookID = header("webhook-id")
            let signed = secret.verify(signatureHeader: header("webhook-signature"), id: webhookID,
                                       timestamp: Int64(header("webhook-timestamp")) ?? 0, body: body)
            let eventID = (try? JSONDecoder().decode(EventID.self, from: Data(body)))?.id ?? ""
            tally.withLock { tally in
                guard signed else { tally.badSignatures += 1; return }
                guard eventID.hasPrefix(tally.runPrefix), let index = Int(eventID.dropFirst(tally.runPrefix.count)),
                      tally.arrivals.indices.contains(index) else { tally.strays += 1; return }
                guard tally.webhookIDs.insert(webhookID).inserted else { tally.repeats += 1; return }
                if tally.arrivals[index] == nil { tally.arrivals[index] = received }
            }
            return Response(status: .ok)
        }
        let (application, port) = HeraldHTTP.application(router: router, host: "127.0.0.1", port: 0, serverName: "herald-bench-receiver", logger: logger)
        let group = ServiceGroup(services: [application], logger: logger)
        let task = Task { try await group.run() }
        return BenchWebhookReceiver(url: "http://127.0.0.1:\(await port.value)/hook", tally: tally, group: group, task: task)
    }

    /// Starts counting for a run of `count` events whose ids are `runPrefix` + index.
    func begin(runPrefix: String, count: Int) {
        tally.withLock { $0 = Tally(runPrefix: runPrefix, arrivals: Array(repeating: nil, count: count)) }
    }

    /// Distinct webhook-ids received in the current run.
    var delivered: Int { tally.withLock { $0.webhookIDs.count } }

    func snapshot() -> Tally { tally.withLock { $0 } }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    private struct EventID: Decodable {
        var id: String
    }
}
