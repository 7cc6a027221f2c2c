import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Reads the producer's and the delivery service's `/metrics` for the overview, with the signed-in
/// user's key (services run with `--metrics-require-key` want one holding `metrics:read`), and
/// keeps the readings of the last minutes so a figure can cover the time since an earlier one.
final class MetricsReader: Sendable {
    /// What reading one service's metrics came to.
    enum Reading {
        /// The reading, and an earlier one to measure from (nil: none young enough yet).
        case read(now: MetricsSnapshot, earlier: MetricsSnapshot?)
        /// Why there are no figures, for the page.
        case unavailable(String)
    }

    let addresses: ConsoleServer.MetricsAddresses
    private let client: HTTPClient
    private let history = Mutex<[String: [MetricsSnapshot]]>([:])
    /// Readings older than this are dropped: figures cover at most this long.
    static let longestWindow: TimeInterval = 300
    /// An earlier reading younger than this is not used: a rate over a second or two says little.
    static let shortestWindow: TimeInterval = 5
    static let keptReadings = 300

    init(addresses: ConsoleServer.MetricsAddresses, client: HTTPClient) {
        self.addresses = addresses
        self.client = client
    }

    /// Reads every instance's `urls` (one service's instances) as one reading: a counter or bucket
    /// of the same series adds up across them, so the figures are the service's, not one instance's.
    /// One instance that cannot be read makes the reading unavailable: a part would understate it.
    func read(_ urls: [String], key: String, now: Date = Date()) async -> Reading {
        var texts: [String] = []
        for result in await withTaskGroup(of: Result<String, Unavailable>.self, body: { group in
            for url in urls { group.addTask { await self.text(url, key: key) } }
            return await group.reduce(into: []) { $0.append($1) }
        }) {
            switch result {
            case .success(let text): texts.append(text)
            case .failure(let unavailable): return .unavailable(unavailable.reason)
            }
        }
        let snapshot = MetricsSnapshot(time: now, exposition: texts.joined(separator: "\n"))
        let name = urls.joined(separator: ",")
        let earlier = history.withLock { history in
            var kept = (history[name] ?? []).filter { now.timeIntervalSince($0.time) <= Self.longestWindow }
            let earlier = kept.first { now.timeIntervalSince($0.time) >= Self.shortestWindow }
            kept.append(snapshot)
            // A page reloaded without pause must not grow the history without limit.
            if kept.count > Self.keptReadings { kept.removeFirst(kept.count - Self.keptReadings) }
            history[name] = kept
            return earlier
        }
        return .read(now: snapshot, earlier: earlier)
    }

    struct Unavailable: Error {
        let reason: String
    }

    private func text(_ url: String, key: String) async -> Result<String, Unavailable> {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "authorization", value: "Bearer \(key)")
        do {
            let response = try await client.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 16 << 20)
            switch response.status.code {
            case 200: return .success(String(buffer: body))
            case 401, 403: return .failure(Unavailable(reason: "\(url) needs a key with metrics:read"))
            default: return .failure(Unavailable(reason: "\(url) answered HTTP \(response.status.code)"))
            }
        } catch {
            return .failure(Unavailable(reason: "\(url) could not be read (\(error))"))
        }
    }
}
