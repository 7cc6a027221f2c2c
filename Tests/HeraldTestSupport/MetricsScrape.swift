import AsyncHTTPClient
import NIOCore
import NIOSSL

/// One scrape of a service's `/metrics` over HTTP, read the way Prometheus reads the text format:
/// every sample by metric name and label set. Metrics are process-wide and suites run in
/// parallel, so tests compare two scrapes (`increase(of:_:since:)`) rather than absolute values.
public struct MetricsScrape: Sendable {
    /// `name` -> (labels, value) of every sample.
    public let samples: [String: [(labels: [String: String], value: Double)]]
    public let text: String

    /// - Parameter caFile: with it, scrapes over HTTPS, verifying the listener's certificate against this CA.
    public static func fetch(httpPort: Int, caFile: String? = nil) async throws -> MetricsScrape {
        guard let caFile else { return try await fetch(url: "http://127.0.0.1:\(httpPort)/metrics", with: .shared) }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(caFile)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        do {
            let scrape = try await fetch(url: "https://127.0.0.1:\(httpPort)/metrics", with: client)
            try await client.shutdown()
            return scrape
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private static func fetch(url: String, with client: HTTPClient) async throws -> MetricsScrape {
        let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 16 << 20)
        return MetricsScrape(text: String(buffer: body))
    }

    public init(text: String) {
        self.text = text
        var samples: [String: [(labels: [String: String], value: Double)]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let name: Substring
            var labels: [String: String] = [:]
            if let brace = series.firstIndex(of: "{") {
                name = series[..<brace]
                // Herald's label values hold no `,` `"` or `=`: split on them as they appear.
                for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                }
            } else {
                name = series
            }
            samples[String(name), default: []].append((labels, value))
        }
        self.samples = samples
    }

    /// The value of the sample of `name` whose labels are exactly `labels`; 0 when there is none.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
        samples[name]?.first { $0.labels == labels }?.value ?? 0
    }

    /// How much a sample grew since `earlier`.
    public func increase(of name: String, _ labels: [String: String] = [:], since earlier: MetricsScrape) -> Double {
        value(name, labels) - earlier.value(name, labels)
    }
}
