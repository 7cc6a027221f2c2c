public import AsyncHTTPClient
import Synchronization

/// The HTTP clients webhook sends go through: one shared client for URLs whose host needs no
/// pinning, and one client per (host, checked address) whose DNS override makes it connect to
/// that address while the Host header, SNI and certificate check keep the host's name. Clients
/// nobody uses are closed once there are more than `capacity`.
public final class WebhookClients: Sendable {
    public let shared: HTTPClient
    private let capacity: Int
    private let make: @Sendable (_ dnsOverride: [String: String]) -> HTTPClient
    private let pinned = Mutex([Key: Entry]())

    private struct Key: Hashable {
        let host: String
        let address: IPAddress
    }

    private struct Entry {
        let client: HTTPClient
        var users: Int
    }

    public init(capacity: Int = 256, make: @escaping @Sendable (_ dnsOverride: [String: String]) -> HTTPClient) {
        self.capacity = max(1, capacity)
        self.make = make
        self.shared = make([:])
    }

    /// Runs `body` with the client that connects `host` to `address` (the shared client when `address` is nil).
    public func withClient<Result: Sendable>(
        host: String, address: IPAddress?, _ body: (HTTPClient) async throws -> Result
    ) async throws -> Result {
        guard let address else { return try await body(shared) }
        let key = Key(host: host, address: address)
        let client = pinned.withLock { entries in
            if entries[key] == nil { entries[key] = Entry(client: make([host: address.description]), users: 0) }
            entries[key]!.users += 1
            return entries[key]!.client
        }
        defer {
            let idle = pinned.withLock { entries in
                entries[key]?.users -= 1
                var idle: [HTTPClient] = []
                while entries.count > capacity, let (unused, entry) = entries.first(where: { $0.value.users == 0 }) {
                    entries[unused] = nil
                    idle.append(entry.client)
                }
                return idle
            }
            for client in idle { Task { try? await client.shutdown() } }
        }
        return try await body(client)
    }

    /// Closes every client.
    public func shutdown() async {
        let clients = pinned.withLock { entries in
            defer { entries = [:] }
            return entries.values.map(\.client)
        }
        for client in clients + [shared] { try? await client.shutdown() }
    }
}
