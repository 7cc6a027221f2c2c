import AsyncHTTPClient
import Foundation
import HeraldRuntime
import HeraldTestSupport
import Hummingbird
import Logging
import NIOCore
import Testing

@testable import HeraldConsole

/// The overview's reader of `/metrics` against a real HTTP server that, like a service run with
/// `--metrics-require-key`, answers only a key it accepts.
@Suite struct MetricsReaderTests {
    /// The earlier reading a figure is measured from; nil when the reader has none, or no reading at all.
    static func earlier(_ reading: MetricsReader.Reading) -> Date?? {
        guard case .read(_, let earlier) = reading else { return nil }
        return .some(earlier?.time)
    }

    static func reason(_ reading: MetricsReader.Reading) -> String? {
        guard case .unavailable(let reason) = reading else { return nil }
        return reason
    }

    @Test func readsWithTheUsersKeyAndMeasuresFromAReadingOldEnough() async throws {
        let router = Router()
        router.get("metrics") { request, _ -> Response in
            guard request.headers[.authorization] == "Bearer hk_accepted_key" else { return Response(status: .forbidden) }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "herald_producer_transaction_records_sum 7\n")))
        }
        let logger = Logger(label: "test-metrics")
        let (application, bound) = HeraldHTTP.application(router: router, host: "127.0.0.1", port: 0, serverName: "test-metrics", logger: logger)
        let group = RunningGroup([application], logger: logger)
        let url = "http://127.0.0.1:\(await bound.value)/metrics"
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let reader = MetricsReader(addresses: ConsoleServer.MetricsAddresses(), client: client)
        let start = Date()

        let first = await reader.read([url], key: "hk_accepted_key", now: start)
        guard case .read(let snapshot, nil) = first else {
            Issue.record("the first reading: \(first)")
            return
        }
        #expect(snapshot.total("herald_producer_transaction_records_sum") == 7)
        // Too young to measure a rate from, then old enough; beyond the longest window, forgotten.
        #expect(Self.earlier(await reader.read([url], key: "hk_accepted_key", now: start + 2)) == .some(nil))
        #expect(Self.earlier(await reader.read([url], key: "hk_accepted_key", now: start + 10)) == .some(start))
        #expect(Self.earlier(await reader.read([url], key: "hk_accepted_key", now: start + 400)) == .some(nil))

        // Two instances: their counters add up (the same server twice here: 7 + 7).
        guard case .read(let both, _) = await reader.read([url, url], key: "hk_accepted_key", now: start + 400) else {
            Issue.record("two instances were not read")
            return
        }
        #expect(both.total("herald_producer_transaction_records_sum") == 14)

        // A key the service refuses, and a service that is not there: the page says why.
        #expect(Self.reason(await reader.read([url], key: "hk_other_key")) == "\(url) needs a key with metrics:read")
        try await group.stop()
        #expect(Self.reason(await reader.read([url], key: "hk_accepted_key"))?.hasPrefix("\(url) could not be read") == true)
        try await client.shutdown()
    }

    @Test func theMetricsOptionsListOneURLPerInstance() throws {
        #expect(try ConsoleOptions.metricsURLs("--producer-metrics-url", "http://producer-1:8091/metrics, https://producer-2:8091/metrics")
            == ["http://producer-1:8091/metrics", "https://producer-2:8091/metrics"])
        for (list, message) in [
            ("", "--producer-metrics-url: give at least one URL"),
            ("http://a:8091/metrics,producer-2:8091", "--producer-metrics-url: 'producer-2:8091' is not an http(s) URL"),
            ("ftp://a/metrics", "--producer-metrics-url: 'ftp://a/metrics' is not an http(s) URL"),
        ] {
            #expect {
                _ = try ConsoleOptions.metricsURLs("--producer-metrics-url", list)
            } throws: { error in
                "\(error)".hasPrefix(message)
            }
        }
    }
}
