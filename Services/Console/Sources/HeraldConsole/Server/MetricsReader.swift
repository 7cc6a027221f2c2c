import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads the producer's and the delivery service's `/metrics` for the overview, with the signed-in
/// user's key (services run with `--metrics-require-key` want one holding `metrics:read`), from
/// every instance `MetricsInstances` finds, and keeps the readings of the last minutes so a figure
/// can cover the time since an earlier one.
final class MetricsReader: Sendable {
    /// What reading one service's metrics came to.
    enum Reading {
        /// The reading, and an earlier one to measure from (nil: none young enough yet).
        case read(now: MetricsSnapshot, earlier: MetricsSnapshot?)
        /// Why there are no figures, for the page.
        case unavailable(String)
    }

    /// Finds a host name's addresses: every program's resolver (`HostResolver`), or in tests one
    /// that names several loopback addresses, as a headless Service's name does its pods.
    typealias Resolve = @Sendable (String) async -> MetricsInstances.Resolution

    let addresses: ConsoleServer.MetricsAddresses
    private let configuration: HTTPClient.Configuration
    private let resolve: Resolve
    private let histories = Mutex<[[String]: MetricsHistory]>([:])

    init(addresses: ConsoleServer.MetricsAddresses, configuration: HTTPClient.Configuration,
         resolve: @escaping Resolve = HostResolver.addresses(of:)) {
        self.addresses = addresses
        self.configuration = configuration
        self.resolve = resolve
    }

    /// Reads every instance of one service (`urls`, their names resolved now) as one reading: a
    /// counter or bucket of the same series adds up across them, so the figures are the service's.
    func read(_ urls: [String], key: String, now: Date = Date()) async -> Reading {
        let plan = MetricsInstances(urls: urls)
        let resolutions = await withTaskGroup(of: (String, MetricsInstances.Resolution).self) { group in
            for name in plan.hostNames { group.addTask { (name, await self.resolve(name)) } }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        let instances: [MetricsInstances.Instance]
        switch plan.instances(resolutions) {
        case .success(let found): instances = found
        case .failure(let unavailable): return .unavailable(unavailable.reason)
        }
        let answers = await withTaskGroup(of: (Int, MetricsInstances.Answer).self) { group in
            for (index, instance) in instances.enumerated() { group.addTask { (index, await self.answer(of: instance, key: key)) } }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        switch MetricsInstances.combine(instances.enumerated().map { ($1, answers[$0] ?? .failed("not asked")) }) {
        case .failure(let unavailable):
            return .unavailable(unavailable.reason)
        case .success(let texts):
            let readings = texts.mapValues { MetricsSnapshot(time: now, exposition: $0) }
            let (reading, earlier) = histories.withLock { $0[urls, default: MetricsHistory()].record(readings, at: now) }
            return .read(now: reading, earlier: earlier)
        }
    }

    /// Asks one instance, through a client of its own that connects to the instance's address
    /// while the URL — and so `Host` and the TLS server name — keeps the name.
    private func answer(of instance: MetricsInstances.Instance, key: String) async -> MetricsInstances.Answer {
        var configuration = self.configuration
        if let address = instance.address { configuration.dnsOverride = [instance.host: address] }
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let answer = await get(instance.url, key: key, client: client)
        try? await client.shutdown()
        return answer
    }

    private func get(_ url: String, key: String, client: HTTPClient) async -> MetricsInstances.Answer {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 16 << 20)
            switch response.status.code {
            case 200: return .exposition(String(buffer: body))
            case 401, 403: return .refused
            default: return .status(Int(response.status.code))
            }
        } catch {
            return .failed("\(error)")
        }
    }
}
