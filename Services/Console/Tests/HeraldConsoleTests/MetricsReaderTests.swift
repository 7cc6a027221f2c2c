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

    /// A server on `host`:`port` whose `/metrics` holds `count` committed events, answering only
    /// requests that name `localhost` as their host (as a headless Service's pods are asked).
    static func metricsServer(host: String, port: Int, count: Int) async -> (group: RunningGroup, port: Int) {
        let router = Router()
        router.get("metrics") { request, _ -> Response in
            guard request.head.authority?.hasPrefix("localhost:") == true else { return Response(status: .misdirectedRequest) }
            return Response(status: .ok, body: ResponseBody(byteBuffer: ByteBuffer(string: "herald_producer_transaction_records_sum \(count)\n")))
        }
        let logger = Logger(label: "test-metrics")
        let (application, bound) = HeraldHTTP.application(router: router, host: host, port: port, serverName: "test-metrics", logger: logger)
        let group = RunningGroup([application], logger: logger)
        return (group, await bound.value)
    }

    /// A server on 127.0.0.1 whose port is free on ::1 too (another program may hold it there);
    /// nil when none of a few ports is.
    static func ipv4ServerWithPortFreeOnIPv6(count: Int) async throws -> (group: RunningGroup, port: Int)? {
        for _ in 0..<20 {
            let server = await metricsServer(host: "127.0.0.1", port: 0, count: count)
            if isFreeOnIPv6Loopback(server.port) { return server }
            try await server.group.stop()
        }
        return nil
    }

    static func isFreeOnIPv6Loopback(_ port: Int) -> Bool {
        let socket = Glibc.socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        address.sin6_addr = in6addr_loopback
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
        }
    }

    /// Two instances behind one name, as a headless Service's pods are: `localhost` maps to both
    /// 127.0.0.1 and ::1, each with a server of its own on the same port.
    @Test func everyAddressOfANameIsAnInstance() async throws {
        let localhost = await HostResolver.addresses(of: "localhost")
        guard case .addresses(let addresses) = localhost, Set(addresses).isSuperset(of: ["127.0.0.1", "::1"]) else {
            Issue.record("""
                this machine's localhost resolves to \(localhost), not to both 127.0.0.1 and ::1 as Debian's \
                /etc/hosts has it (`::1 localhost ip6-localhost ip6-loopback`); the test needs both
                """)
            return
        }
        let (ipv4, port) = try #require(try await Self.ipv4ServerWithPortFreeOnIPv6(count: 7), "no port free on both 127.0.0.1 and ::1")
        let (ipv6, _) = await Self.metricsServer(host: "::1", port: port, count: 35)
        let url = "http://localhost:\(port)/metrics"
        let reader = MetricsReader(addresses: ConsoleServer.MetricsAddresses(), configuration: HTTPClient.Configuration())

        let reading = await reader.read([url], key: "hk_any")
        guard case .read(let both, _) = reading else {
            Issue.record("localhost's two instances were not read: \(reading)")
            return
        }
        #expect(both.total("herald_producer_transaction_records_sum") == 42)

        // One of them gone: the figure names it, and only it, instead of showing the other's part.
        try await ipv6.stop()
        let reason = Self.reason(await reader.read([url], key: "hk_any"))
        #expect(reason?.hasPrefix("\(url) at ::1 could not be read") == true, "\(reason ?? "read")")
        #expect(reason?.contains("127.0.0.1") == false)
        try await ipv4.stop()
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
