import Foundation
import HeraldRuntime
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A real HTTP webhook receiver (hummingbird) whose answers a test scripts.
public final class WebhookReceiver: Sendable {
    public struct Received: Sendable {
        public let webhookID: String
        public let timestamp: String
        public let signature: String
        public let contentType: String
        public let headers: [String: String]
        public let body: [UInt8]
        public let arrived: ContinuousClock.Instant
    }

    public enum Answer: Sendable {
        case status(Int, retryAfter: String? = nil)
        /// Waits until `release()`, then answers 200.
        case blockThenOK
        /// Answers 200 after a pause.
        case delayThenOK(Duration)
        /// Answers `status` with a body that never ends: `chunkBytes` bytes every `interval`.
        case endlessBody(status: Int, chunkBytes: Int, interval: Duration)
    }

    private struct State {
        public var received: [Received] = []
        var completed = 0
        var released = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    private let script: @Sendable (Int) -> Answer
    private let group: RunningGroup
    public let port: Int

    public var url: String { "http://127.0.0.1:\(port)/hook" }

    /// - Parameter script: the answer to the n-th request (0-based).
    public static func start(_ script: @escaping @Sendable (Int) -> Answer = { _ in .status(200) }) async throws -> WebhookReceiver {
        let box = ReceiverBox()
        let router = Router()
        router.post("hook") { request, _ -> Response in
            try await box.receiver!.handle(request)
        }
        let logger = Logger(label: "test-receiver")
        let (application, bound) = HeraldHTTP.application(router: router, host: "127.0.0.1", port: 0, serverName: "test-receiver", logger: logger)
        let group = RunningGroup([application], logger: logger)
        let port = await bound.value
        let receiver = WebhookReceiver(script: script, group: group, port: port)
        box.receiver = receiver
        return receiver
    }

    private init(script: @escaping @Sendable (Int) -> Answer, group: RunningGroup, port: Int) {
        self.script = script
        self.group = group
        self.port = port
    }

    private func handle(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        // HTTP/1's Host header arrives as the request's authority.
        if let authority = request.head.authority { headers["host"] = authority }
        let received = Received(
            webhookID: headers["webhook-id"] ?? "", timestamp: headers["webhook-timestamp"] ?? "",
            signature: headers["webhook-signature"] ?? "", contentType: headers["content-type"] ?? "",
            headers: headers, body: Array(buffer: body), arrived: .now)
        let index = state.withLock { state in
            state.received.append(received)
            return state.received.count - 1
        }
        defer { state.withLock { $0.completed += 1 } }
        switch script(index) {
        case .status(let code, let retryAfter):
            var response = Response(status: .init(code: code))
            if let retryAfter { response.headers[.retryAfter] = retryAfter }
            return response
        case .blockThenOK:
            await withCheckedContinuation { continuation in
                let now = state.withLock { state in
                    if state.released { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
            return Response(status: .ok)
        case .delayThenOK(let delay):
            try await Task.sleep(for: delay)
            return Response(status: .ok)
        case .endlessBody(let status, let chunkBytes, let interval):
            let chunk = ByteBuffer(repeating: UInt8(ascii: "x"), count: chunkBytes)
            return Response(status: .init(code: status), body: ResponseBody { writer in
                while true {
                    try await writer.write(chunk)
                    try await Task.sleep(for: interval)
                }
            })
        }
    }

    public var received: [Received] { state.withLock { $0.received } }
    public var completed: Int { state.withLock { $0.completed } }

    public func release() {
        let waiters = state.withLock { state in
            state.released = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    public func stop() async throws {
        release()
        try await group.stop()
    }
}

private final class ReceiverBox: @unchecked Sendable {
    var receiver: WebhookReceiver?
}
