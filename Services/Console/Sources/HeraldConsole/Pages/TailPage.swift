import Foundation
import GRPCCore
import Hummingbird
import HeraldProtos
import NIOCore
import SwiftProtobuf

/// `/tail`: deliveries as their state changes, without reloading. The page's script listens to
/// `/tail/events`, server-sent events the console feeds from the delivery service's
/// `WatchDeliveries` stream, called with the user's key for as long as the page stays open.
struct TailPage {
    let console: Console

    struct View {
        let endpoint: String
    }

    static let template = """
        <form class="card" id="tail-form">
        <label for="tail-endpoint">Only endpoint (empty: all)</label>
        <input id="tail-endpoint" name="endpoint" value="{{endpoint}}">
        <button type="submit">Watch</button>
        </form>
        <p id="tail-status" role="status" aria-live="polite">Connecting…</p>
        <table>
        <thead><tr><th scope="col">Updated</th><th scope="col">Event</th><th scope="col">Type</th><th scope="col">Endpoint</th><th scope="col">State</th><th scope="col">Attempts</th></tr></thead>
        <tbody id="tail-rows"></tbody>
        </table>
        <script src="/assets/tail.js"></script>
        """

    func register(on router: Router<BasicRequestContext>) {
        router.get("tail") { request, _ -> Response in
            await console.signedIn(request, "Live tail") { session in
                console.page("Live tail", "tail", View(endpoint: request.uri.queryParameters.get("endpoint") ?? ""), session: session)
            }
        }
        router.get("tail/events") { request, _ -> Response in
            guard case .valid(let session) = console.check(request) else {
                return Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: "sign in first\n")))
            }
            var watch = Herald_V1_WatchDeliveriesRequest()
            watch.endpointID = request.uri.queryParameters.get("endpoint") ?? ""
            // A few minutes of history first, so a page opened just after a publish still shows it.
            watch.since = Google_Protobuf_Timestamp(date: Date().addingTimeInterval(-300))
            return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: events(watch, key: session.key))
        }
    }

    private func events(_ watch: Herald_V1_WatchDeliveriesRequest, key: String) -> ResponseBody {
        let delivery = console.clients.delivery
        return ResponseBody { writer in
            let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream(bufferingPolicy: .bufferingNewest(1024))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { continuation.finish() }
                    do {
                        try await delivery.watchDeliveries(watch, metadata: ServiceClients.metadata(for: key)) { response in
                            for try await record in response.messages { continuation.yield(Self.event(record)) }
                        }
                    } catch {
                        continuation.yield(ByteBuffer(string: "event: problem\ndata: \(Console.describe(error).replacingOccurrences(of: "\n", with: " "))\n\n"))
                    }
                }
                // A comment first, so the browser sees the stream open before the first delivery.
                try await writer.write(ByteBuffer(string: ": watching\n\n"))
                for await buffer in stream { try await writer.write(buffer) }
                group.cancelAll()
            }
            try await writer.finish(nil)
        }
    }

    /// One record as a server-sent event: its protobuf JSON, field names as in the proto.
    static func event(_ record: Herald_V1_DeliveryRecord) -> ByteBuffer {
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        let json = (try? record.jsonString(options: options)) ?? "{}"
        return ByteBuffer(string: "event: delivery\ndata: \(json)\n\n")
    }
}
