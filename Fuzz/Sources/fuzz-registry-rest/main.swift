import Foundation
import FuzzRegistry
import FuzzSupport
import HTTPTypes
import HeraldProtos
import HeraldRegistry
import HeraldRuntime
import Hummingbird
import NIOCore
import NIOEmbedded
import Synchronization

/// The registry's REST API: up to four raw requests (method selector byte, path, zero byte,
/// header lines `name: value` separated by newlines, zero byte, body, zero byte) through the
/// registry's own router, middleware and handlers (`RegistryServer.httpRouter`), over a registry
/// whose log is held in memory. Every answer is a success or a clear error — no 5xx but 503, an
/// error body with Confluent's `error_code` and `message` — and a refused request appends nothing
/// to the log and records nothing in the audit trail.
let fuzzRegistry = FuzzRegistry()
let health = HealthStatus(services: ["herald.v1.Registry"])
health.setAll(.serving)
let responder = RegistryServer.httpRouter(
    registry: fuzzRegistry.registry, health: health, authentication: .off, maxBodyBytes: 8192
).buildResponder()
let context = BasicRequestContext(source: .init(channel: EmbeddedChannel(), logger: FuzzRegistry.logger))
let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .head, .patch, .options]

runLibFuzzer(detectingLeaks: false) { data, count in
    var input = FuzzInput(data, count)
    fuzzRegistry.reset()
    var requests = 0
    while !input.bytes.isEmpty, requests < 4 {
        requests += 1
        let method = methods[Int(input.byte()) % methods.count]
        let path = String(decoding: input.part(), as: UTF8.self)
        var headers = HTTPFields()
        for line in String(decoding: input.part(), as: UTF8.self).split(separator: "\n") {
            let pair = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            // A name that is not an HTTP token never gets past the server's parser.
            guard let name = HTTPField.Name(String(pair[0])) else { continue }
            headers.append(HTTPField(name: name, value: pair.count > 1 ? pair[1].trimmingCharacters(in: .whitespaces) : ""))
        }
        let body = ByteBuffer(bytes: input.part())
        headers[.contentLength] = "\(body.readableBytes)"
        let written = fuzzRegistry.written
        let request = Request(
            head: HTTPRequest(method: method, scheme: "http", authority: "localhost", path: path, headerFields: headers),
            body: RequestBody(buffer: body))
        let (status, answer) = blocking { await respond(to: request) }
        let described = "\(method) \(path) answered \(status) \(String(decoding: answer, as: UTF8.self))"
        guard status < 500 || status == 503 else { fuzzFailure("a server error: \(described)") }
        if status >= 400 {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(answer))) as? [String: Any],
                  object["error_code"] is Int, let message = object["message"] as? String, !message.isEmpty
            else { fuzzFailure("an error without Confluent's error body: \(described)") }
            guard fuzzRegistry.written == written else { fuzzFailure("a refused request changed the registry: \(described)") }
        }
    }
    return 0
}

/// The status and body the registry answers `request` with.
func respond(to request: Request) async -> (Int, [UInt8]) {
    let response: Response
    do {
        response = try await responder.respond(to: request, context: context)
    } catch {
        fuzzFailure("the router threw instead of answering: \(error)")
    }
    let collected = CollectedBody()
    do {
        try await response.body.write(collected)
    } catch {
        fuzzFailure("the response body could not be written: \(error)")
    }
    return (response.status.code, collected.bytes.value.withLock { $0 })
}

/// Gathers a response body as the server would write it to the connection.
struct CollectedBody: ResponseBodyWriter {
    final class Bytes: Sendable {
        let value = Mutex<[UInt8]>([])
    }

    let bytes = Bytes()

    mutating func write(_ buffer: ByteBuffer) async throws {
        bytes.value.withLock { $0 += buffer.readableBytesView }
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
