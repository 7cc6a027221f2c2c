import ArgumentParser
import Foundation
import HeraldDelivery
import HeraldRuntime
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import UnixSignals

/// `herald sink`: a local webhook receiver that verifies Standard Webhooks signatures, prints each
/// delivery, counts repeats by `webhook-id`, and can be told to misbehave.
struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "A local webhook receiver that verifies signatures and counts repeats.",
        discussion: """
            Listens on --host (default 127.0.0.1):<port> for POSTs on any path. A request with a bad or missing signature is \
            answered 401 (and counted). --fail-rate answers that share of requests with 500; --answer makes \
            every request answer that status (410 to see an endpoint disabled, 429 with --retry-after); \
            --delay-ms answers slowly. Ctrl-C prints a summary.
            """
    )

    @Option(help: "Address to listen on (0.0.0.0 to take deliveries from other machines or containers).") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port: Int = 9000
    @Option(help: "The endpoint's secret (whsec_…) to verify signatures with; without it nothing is verified.") var secret: String?
    @Option(help: "Share of requests (0–1) answered 500.") var failRate: Double = 0
    @Option(help: "Answer every request with this status instead of 200.") var answer: Int?
    @Option(help: "retry-after seconds to send with 429 and 5xx answers.") var retryAfter: Int?
    @Option(help: "Wait this long before answering, in milliseconds.") var delayMs: Int = 0
    @Flag(help: "Print only the summary.") var quiet = false

    func validate() throws {
        if let secret { do { _ = try WebhookSecret(secret) } catch { throw ValidationError(error.description) } }
        guard (0...1).contains(failRate) else { throw ValidationError("--fail-rate must be between 0 and 1") }
        if let answer, !(100...599).contains(answer) { throw ValidationError("--answer must be an HTTP status") }
        guard delayMs >= 0, (0...65535).contains(port) else { throw ValidationError("--delay-ms and --port must be valid") }
    }

    func run() async throws {
        let sink = WebhookSink(
            secret: try secret.map { try WebhookSecret($0) }, failRate: failRate, answer: answer,
            retryAfter: retryAfter, delay: .milliseconds(delayMs), quiet: quiet)
        let logger = Logger(label: "herald.sink")
        let (application, bound) = HeraldHTTP.application(router: sink.router(), host: host, port: port, serverName: "herald-sink", logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: application)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let port = await bound.value
                printFlushed("herald sink listening on http://\(host):\(port)/ (\(sink.verifiesSignatures ? "verifying signatures" : "signatures not checked"))")
            }
            try await tasks.waitForAll()
        }
        printFlushed(sink.summary)
    }
}

/// The receiver behind `herald sink` and `herald dev --with-sink`: verifies each request's
/// signature, prints it, counts repeats by `webhook-id`, and answers as configured.
struct WebhookSink: Sendable {
    let secret: WebhookSecret?
    var failRate: Double = 0
    var answer: Int?
    var retryAfter: Int?
    var delay: Duration = .zero
    var quiet = false
    private let tally = Tally()

    private final class Tally: Sendable {
        let counts = Mutex<(total: Int, bad: Int, seen: [String: Int])>((0, 0, [:]))
    }

    init(secret: WebhookSecret?, failRate: Double = 0, answer: Int? = nil, retryAfter: Int? = nil, delay: Duration = .zero, quiet: Bool = false) {
        self.secret = secret
        self.failRate = failRate
        self.answer = answer
        self.retryAfter = retryAfter
        self.delay = delay
        self.quiet = quiet
    }

    var verifiesSignatures: Bool { secret != nil }

    /// Requests, distinct deliveries, repeats of one `webhook-id`, bad signatures.
    var summary: String {
        let (total, bad, seen) = tally.counts.withLock { ($0.total, $0.bad, $0.seen) }
        let repeats = seen.values.reduce(0) { $0 + max(0, $1 - 1) }
        return "requests \(total), deliveries \(seen.count), repeats (same webhook-id) \(repeats), bad signatures \(bad)"
    }

    /// POSTs on any path.
    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/", use: handle)
        router.post("**", use: handle)
        return router
    }

    @Sendable private func handle(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let body = Array(buffer: try await request.body.collect(upTo: 16 << 20))
        func header(_ name: String) -> String { request.headers.first { $0.name.canonicalName == name }?.value ?? "" }
        let id = header("webhook-id"), timestamp = header("webhook-timestamp"), signature = header("webhook-signature")
        let verified = secret.map { $0.verify(signatureHeader: signature, id: id, timestamp: Int64(timestamp) ?? 0, body: body) } ?? true
        let count = tally.counts.withLock { tally in
            tally.total += 1
            if !verified { tally.bad += 1; return 0 }
            tally.seen[id, default: 0] += 1
            return tally.seen[id]!
        }
        var status = answer ?? 200
        if answer == nil, failRate > 0, Double.random(in: 0..<1) < failRate { status = 500 }
        if !verified { status = 401 }
        if !quiet {
            let event = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
            let what = "\(event?["type"] as? String ?? "?") \(event?["source"] as? String ?? "?")#\(event?["id"] as? String ?? "?")"
            let note = !verified ? "  BAD SIGNATURE" : count > 1 ? "  repeat #\(count - 1)" : ""
            let data = (event?["data"]).flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys, .fragmentsAllowed]) }
            printFlushed("\(status)  \(id)  \(what)\(note)" + (data.map { "  data=" + String(decoding: $0, as: UTF8.self) } ?? ""))
        }
        if delay > .zero { try await Task.sleep(for: delay) }
        var response = Response(status: .init(code: status))
        if let retryAfter, status == 429 || status >= 500 { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}
