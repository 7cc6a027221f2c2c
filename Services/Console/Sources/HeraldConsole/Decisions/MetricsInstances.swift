import Foundation
import NIOCore

/// Which instances of one service the overview reads, and how their answers make the service's
/// reading. Each `/metrics` URL's host name is resolved anew at every reading, since pods come and
/// go: a name with several addresses — a headless Service's, or `localhost` on a dual-stack
/// machine — stands for one instance per address, each connected to at its address with the name
/// sent as `Host`. A URL whose host is an address is that one instance.
struct MetricsInstances: Sendable, Equatable {
    /// One instance to read: `url` asked of `address` (nil: the URL's host is itself the address).
    struct Instance: Sendable, Hashable {
        let url: String
        /// The URL's host, sent as `Host` (and as TLS server name) when `address` is set.
        let host: String
        let address: String?

        /// How the page names it: the URL, and the address when the name stands for several.
        var name: String { address.map { "\(url) at \($0)" } ?? url }
    }

    /// What resolving a host name came to.
    enum Resolution: Sendable, Equatable {
        /// Its addresses, in the resolver's order (none: the name is unknown).
        case addresses([String])
        /// The resolver's own words, when it could not answer.
        case failed(String)
    }

    /// What asking one instance for `/metrics` came to.
    enum Answer: Sendable, Equatable {
        case exposition(String)
        /// 401 or 403: the signed-in key lacks `metrics:read`.
        case refused
        case status(Int)
        /// No HTTP answer: the connection failed or timed out.
        case failed(String)
    }

    /// The configured URLs, one or more per service.
    let urls: [String]

    init(urls: [String]) {
        self.urls = urls
    }

    /// Each host name to resolve, once, in the order the URLs name them; addresses need no resolving.
    var hostNames: [String] {
        var names: [String] = []
        for url in urls {
            if let host = Self.host(of: url), !Self.isAddress(host), !names.contains(host) { names.append(host) }
        }
        return names
    }

    /// The instances to read, or why there are none: a name that resolves to no address, or that
    /// could not be resolved, makes the figure unavailable rather than silently smaller. An
    /// address listed twice (two URLs, or one name's repeated answer) is read once.
    func instances(_ resolutions: [String: Resolution]) -> Result<[Instance], MetricsUnavailable> {
        var instances: [Instance] = []
        for url in urls {
            guard let host = Self.host(of: url) else { return .failure(MetricsUnavailable("\(url) names no host")) }
            if Self.isAddress(host) {
                instances.append(Instance(url: url, host: host, address: nil))
                continue
            }
            switch resolutions[host] ?? .failed("not resolved") {
            case .addresses(let addresses) where addresses.isEmpty:
                return .failure(MetricsUnavailable("\(url): \(host) resolves to no address"))
            case .addresses(let addresses):
                instances += addresses.map { Instance(url: url, host: host, address: $0) }
            case .failed(let reason):
                return .failure(MetricsUnavailable("\(url): \(host) could not be resolved (\(reason))"))
            }
        }
        var seen = Set<Instance>()
        return .success(instances.filter { seen.insert($0).inserted })
    }

    /// The service's reading from every instance's answer, as exposition text by instance name; or,
    /// when any instance did not answer with its metrics, why — naming each such instance, since
    /// the others' sum would understate the service.
    static func combine(_ answers: [(Instance, Answer)]) -> Result<[String: String], MetricsUnavailable> {
        var texts: [String: String] = [:]
        var reasons: [String] = []
        for (instance, answer) in answers {
            switch answer {
            case .exposition(let text): texts[instance.name] = text
            case .refused: reasons.append("\(instance.name) needs a key with metrics:read")
            case .status(let code): reasons.append("\(instance.name) answered HTTP \(code)")
            case .failed(let error): reasons.append("\(instance.name) could not be read (\(error))")
            }
        }
        return reasons.isEmpty ? .success(texts) : .failure(MetricsUnavailable(reasons.joined(separator: "; ")))
    }

    /// The host of an http(s) URL, without an IPv6 address's brackets.
    static func host(of url: String) -> String? {
        guard let host = URL(string: url)?.host, !host.isEmpty else { return nil }
        return host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    }

    static func isAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

/// Why the overview has no figure from a service, in words for the page.
struct MetricsUnavailable: Error, Equatable {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}
