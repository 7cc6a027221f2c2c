import AsyncHTTPClient
import Foundation
public import GRPCCore
import GRPCNIOTransportHTTP2Posix
public import HeraldCore
public import HeraldRuntime
import NIOCore
import NIOHTTP1

/// Calls every RPC or REST route of a running service, over its real socket, once with each kind
/// of credential — none, an unknown key, a revoked key, a valid key lacking the call's scope, and
/// one holding it — and records what each got: the rows of the closing note's auth table.
public struct AuthProbe: Sendable {
    public let ring: KeyRing
    let admin: APIKey
    let revoked: APIKey
    let unknown: APIKey
    /// For each scope, a valid key holding every other scope.
    let lacking: [Scope: APIKey]

    /// - Parameter extra: more keys the probed services accept (narrowed publishers, a service's own key).
    public init(extra: [KeyRecord] = []) {
        // The test process's own admin key, so fixtures' clients (which send it) work against the probed service.
        admin = TestKeys.admin
        revoked = APIKey.generate()
        unknown = APIKey.generate()
        lacking = Dictionary(uniqueKeysWithValues: Scope.allCases.map { ($0, APIKey.generate()) })
        var records = [
            KeyRecord(key: admin, name: "probe-admin", scopes: Set(Scope.allCases), createdAt: .now),
            KeyRecord(id: revoked.id, name: "probe-revoked", scopes: Set(Scope.allCases), hash: revoked.hash, createdAt: .now, revokedAt: .now),
        ]
        for (scope, key) in lacking {
            records.append(KeyRecord(key: key, name: "probe-lacks-\(scope.rawValue)", scopes: Set(Scope.allCases).subtracting([scope]), createdAt: .now))
        }
        ring = KeyRing(records + extra)
    }

    /// What a service under probe checks calls with.
    public var authentication: CallAuthentication { .keys(StaticKeyRing(ring)) }

    /// The credentials tried, in table order (the scope's own key last).
    func credentials(for rule: AccessRule) -> [(label: String, key: String?)] {
        let scope: Scope? = if case .requires(let scope) = rule { scope } else { nil }
        return [
            ("no key", nil), ("unknown key", unknown.presented), ("revoked key", revoked.presented),
            ("key without the scope", scope.flatMap { lacking[$0]?.presented }), ("key with the scope", admin.presented),
        ]
    }

    /// Every method in `methods` called on `port` with each credential.
    public func probeGRPC(port: Int, methods: [MethodDescriptor], table: RPCAccessTable) async throws -> [AuthProbeRow] {
        try await withGRPCClient(transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext)) { client in
            var rows: [AuthProbeRow] = []
            for method in methods {
                let rule = table.rule(for: method.fullyQualifiedMethod)
                var outcomes: [String] = []
                var messages: [String] = []
                for (label, key) in credentials(for: rule ?? .open) {
                    if label == "key without the scope", key == nil { outcomes.append("—"); messages.append(""); continue }
                    let (code, message) = try await Self.call(client, method: method, key: key)
                    outcomes.append(code)
                    messages.append(message)
                }
                rows.append(AuthProbeRow(call: method.fullyQualifiedMethod, rule: rule.map(\.description) ?? "none", outcomes: outcomes, messages: messages))
            }
            return rows
        }
    }

    /// One call of `method` with an empty request message (every RPC is a stream on the wire),
    /// as the code it ended with: the refusal's, or `OK` once the server accepted it.
    static func call(_ client: GRPCClient<HTTP2ClientTransport.Posix>, method: MethodDescriptor, key: String?) async throws -> (String, String) {
        var metadata = Metadata()
        if let key { metadata.addString("Bearer \(key)", forKey: "authorization") }
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        let request = StreamingClientRequest<[UInt8]>(metadata: metadata) { writer in try await writer.write([]) }
        do {
            return try await client.bidirectionalStreaming(
                request: request, descriptor: method, serializer: RawMessage(), deserializer: RawMessage(), options: options
            ) { response in
                switch response.accepted {
                case .success: ("OK", "")
                case .failure(let error): (AuthProbeRow.name(of: error.code), error.message)
                }
            }
        } catch let error as RPCError {
            return (AuthProbeRow.name(of: error.code), error.message)
        }
    }

    /// Every route in `routes` (method, pattern as the router matches it) called on `base` with
    /// each credential, placeholders filled with probe values.
    public func probeHTTP(base: String, routes: [(method: String, path: String)], table: HTTPAccessTable) async throws -> [AuthProbeRow] {
        var rows: [AuthProbeRow] = []
        for (method, path) in routes {
            let rule = table.rule(method: method, path: path)
            let concrete = path.replacingOccurrences(of: "{subject}", with: "auth-probe-value")
                .replacingOccurrences(of: "{version}", with: "1").replacingOccurrences(of: "{id}", with: "1")
            var outcomes: [String] = []
            var messages: [String] = []
            for (label, key) in credentials(for: rule ?? .open) {
                if label == "key without the scope", key == nil { outcomes.append("—"); messages.append(""); continue }
                var request = HTTPClientRequest(url: base + concrete)
                request.method = HTTPMethod(rawValue: method)
                if let key { request.headers.add(name: "authorization", value: "Bearer \(key)") }
                if method == "POST" || method == "PUT" {
                    request.headers.add(name: "content-type", value: "application/vnd.schemaregistry.v1+json")
                    request.body = .bytes(ByteBuffer(string: "{}"))
                }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                let body = String(buffer: try await response.body.collect(upTo: 1 << 20))
                let code = (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["error_code"] as? Int
                outcomes.append(code.map { "\(response.status.code) (\($0))" } ?? "\(response.status.code)")
                messages.append(body)
            }
            rows.append(AuthProbeRow(call: "\(method) \(path)", rule: rule.map(\.description) ?? "none", outcomes: outcomes, messages: messages))
        }
        return rows
    }
}

/// What one call got with each credential (no key, unknown, revoked, without the scope, with it).
public struct AuthProbeRow: Sendable, CustomStringConvertible {
    public let call: String
    public let rule: String
    public let outcomes: [String]
    public let messages: [String]

    public static let header = """
        | call | needs | no key | unknown key | revoked key | key without the scope | key with the scope |
        |---|---|---|---|---|---|---|
        """

    public var description: String { "| `\(call)` | \(rule) | " + outcomes.joined(separator: " | ") + " |" }

    /// The first four refused as they must be, and the last let through by authentication.
    public var refusedCorrectly: Bool {
        guard outcomes.count == 5 else { return false }
        let grpc = !call.contains(" ")
        let (unauthenticated, denied) = grpc ? ("UNAUTHENTICATED", "PERMISSION_DENIED") : ("401 (40101)", "403 (40301)")
        return outcomes[0...2].allSatisfy { $0 == unauthenticated } && outcomes[3] == denied
            && !outcomes[4].hasPrefix(unauthenticated) && !outcomes[4].hasPrefix(denied)
            && !outcomes[4].hasPrefix("401") && !outcomes[4].hasPrefix("403")
    }

    /// The unknown and the revoked key are told the same thing.
    public var unknownAndRevokedAlike: Bool { messages.count == 5 && messages[1] == messages[2] }

    /// `rows` as a Markdown table, for the closing note.
    public static func table(_ rows: [AuthProbeRow]) -> String {
        ([header] + rows.map(\.description)).joined(separator: "\n")
    }

    /// What is wrong in `rows` of calls that need a key: a refusal with the wrong code, a call
    /// with the scope refused, or an unknown and a revoked key told apart. Empty when all is right.
    public static func violations(_ rows: [AuthProbeRow]) -> [String] {
        rows.flatMap { row in
            (row.refusedCorrectly ? [] : ["\(row)"]) + (row.unknownAndRevokedAlike ? [] : ["\(row.call): unknown and revoked told apart: \(row.messages)"])
        }
    }

    static func name(of code: RPCError.Code) -> String {
        let names = [
            "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
            "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
            "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
        ]
        return names.indices.contains(code.rawValue) ? names[code.rawValue] : "\(code)"
    }
}

/// Request and response messages as raw bytes, so one probe calls any method.
struct RawMessage: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}

extension AuthProbe {
    /// A valid key holding every scope but `scope`.
    public func key(lacking scope: Scope) -> String { lacking[scope]?.presented ?? "" }

    /// A valid key holding every scope.
    public var adminKey: String { admin.presented }
}
