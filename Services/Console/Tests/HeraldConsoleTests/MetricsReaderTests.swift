import AsyncHTTPClient
import Foundation
import Glibc
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
        let reader = MetricsReader(addresses: ConsoleServer.MetricsAddresses(), configuration: HTTPClient.Configuration())
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

        // One instance listed twice is read once: its counters are not counted twice.
        guard case .read(let twice, _) = await reader.read([url, url], key: "hk_accepted_key", now: start + 400) else {
            Issue.record("an instance listed twice was not read")
            return
        }
        #expect(twice.total("herald_producer_transaction_records_sum") == 7)

        // A key the service refuses, and a service that is not there: the page says why.
        #expect(Self.reason(await reader.read([url], key: "hk_other_key")) == "\(url) needs a key with metrics:read")
        try await group.stop()
        #expect(Self.reason(await reader.read([url], key: "hk_accepted_key"))?.hasPrefix("\(url) could not be read") == true)
    }

    /// The name the two-instance test's resolver gives two addresses, as a headless Service's is.
    static let podsName = "metrics-pods.herald.test"

    /// A server on `host`:`port` whose `/metrics` holds `count` committed events, answering only
    /// requests that name `podsName` as their host (as a headless Service's pods are asked).
    static func metricsServer(host: String, port: Int, count: Int) async -> (group: RunningGroup, port: Int) {
        let router = Router()
        router.get("metrics") { request, _ -> Response in
            guard request.head.authority?.hasPrefix("\(podsName):") == true else { return Response(status: .misdirectedRequest) }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "herald_producer_transaction_records_sum \(count)\n")))
        }
        let logger = Logger(label: "test-metrics")
        let (application, bound) = HeraldHTTP.application(router: router, host: host, port: port, serverName: "test-metrics", logger: logger)
        let group = RunningGroup([application], logger: logger)
        return (group, await bound.value)
    }

    /// A server on 127.0.0.1 whose port is free on 127.0.0.2 too (another program may hold it
    /// there); nil when none of a few ports is.
    static func serverWithPortFreeOnSecondLoopback(count: Int) async throws -> (group: RunningGroup, port: Int)? {
        for _ in 0..<20 {
            let server = await metricsServer(host: "127.0.0.1", port: 0, count: count)
            if isFree(server.port, on: "127.0.0.2") { return server }
            try await server.group.stop()
        }
        return nil
    }

    static func isFree(_ port: Int, on host: String) -> Bool {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Two instances behind one name, as a headless Service's pods are: the name resolves to
    /// 127.0.0.1 and 127.0.0.2 (Linux answers on all of 127/8), each with a server of its own on
    /// the same port. The name's addresses come from the test's resolver, since no name on every
    /// machine resolves to two (Debian's /etc/hosts maps `localhost` to ::1 as well; some
    /// images leave that line out); the connections are real.
    @Test func everyAddressOfANameIsAnInstance() async throws {
        let (first, port) = try #require(try await Self.serverWithPortFreeOnSecondLoopback(count: 7), "no port free on both 127.0.0.1 and 127.0.0.2")
        let (second, _) = await Self.metricsServer(host: "127.0.0.2", port: port, count: 35)
        let url = "http://\(Self.podsName):\(port)/metrics"
        let reader = MetricsReader(addresses: ConsoleServer.MetricsAddresses(), configuration: HTTPClient.Configuration()) { name in
            name == Self.podsName ? .addresses(["127.0.0.1", "127.0.0.2"]) : .addresses([])
        }

        let reading = await reader.read([url], key: "hk_any")
        guard case .read(let both, _) = reading else {
            Issue.record("the name's two instances were not read: \(reading)")
            return
        }
        #expect(both.total("herald_producer_transaction_records_sum") == 42)

        // One of them gone: the figure names it, and only it, instead of showing the other's part.
        try await second.stop()
        let reason = Self.reason(await reader.read([url], key: "hk_any"))
        #expect(reason?.hasPrefix("\(url) at 127.0.0.2 could not be read") == true, "\(reason ?? "read")")
        #expect(reason?.contains("127.0.0.1") == false)
        try await first.stop()
    }

    /// The resolver the reader uses by default is the machine's: `localhost` is found.
    @Test func theMachinesResolverFindsLocalhost() async {
        let localhost = await HostResolver.addresses(of: "localhost")
        guard case .addresses(let addresses) = localhost else {
            Issue.record("localhost was not resolved: \(localhost)")
            return
        }
        #expect(addresses.contains("127.0.0.1"), "localhost resolves to \(addresses)")
    }

    @Test func aNameWithoutAddressesIsSaidSo() async {
        let url = "http://herald-console-test.invalid:8091/metrics"
        let reader = MetricsReader(addresses: ConsoleServer.MetricsAddresses(), configuration: HTTPClient.Configuration())
        #expect(Self.reason(await reader.read([url], key: "hk_any")) == "\(url): herald-console-test.invalid resolves to no address")
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
