import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldCore
import HeraldKafka
import HeraldProtos
import HeraldRegistry
import HeraldRuntime
import HeraldTestSupport
import ServiceLifecycle
import SwiftProtobuf
import Synchronization
import Testing

extension RegistryIntegration {
    /// `herald.v1.Keys` against the real broker: the registry writes `herald.api-keys`, other
    /// services' `KeyDirectory`s follow it, a revocation reaches them and survives a restart.
    @Suite struct KeysTests {
        @Test func createdKeyAuthenticatesElsewhereUntilRevokedAndStaysRevokedAfterARestart() async throws {
            let names = RegistryNames()
            let registry = try await RegistryInstance.start(names, instance: "a")
            try await TestEnvironment.eventually("a to lead") { registry.server.registry.isLeader }
            // Three directories standing for the producer, router and delivery: each with a write
            // signal of its own, so nothing this process writes wakes them — they read the topic as
            // a service in another process does, resting up to the default 250 ms while it is quiet.
            let services = OtherServices(topic: names.keysTopic)
            try await services.start()

            let created = try await registry.keys { keys in
                try await keys.createKey(.with {
                    $0.name = "billing publisher"
                    $0.scopes = ["events:publish"]
                    $0.eventTypes = ["com.example.billing.*"]
                })
            }
            let key = try APIKey(parsing: created.key)
            #expect(created.info.id == key.id && created.info.scopes == ["events:publish"] && created.info.eventTypes == ["com.example.billing.*"])
            #expect(!created.info.hasRevokedAt)

            let listed = try await registry.keys { try await $0.listKeys(Herald_V1_ListKeysRequest()) }
            #expect(listed.keys.map(\.id) == [key.id] && listed.keys.first?.name == "billing publisher")
            let listedBytes = String(decoding: try listed.serializedBytes() as [UInt8], as: UTF8.self)
            #expect(!listedBytes.contains(key.secret) && !listedBytes.contains(key.hash), "ListKeys must carry neither the secret nor the hash")

            for directory in services.directories {
                try await TestEnvironment.eventually("another service to authenticate the new key") {
                    guard case .success(let principal) = directory.ring.authenticate(created.key) else { return false }
                    return principal.mayPublish(type: "com.example.billing.paid", source: "/x")
                        && !principal.mayPublish(type: "com.example.order.shipped", source: "/x")
                }
            }

            // Let the quiet topic's partitions reach their longest rest: the slowest case for a revocation.
            try await Task.sleep(for: .seconds(2))
            let revoked = try await registry.keys { try await $0.revokeKey(.with { $0.id = key.id }) }
            let answered = ContinuousClock.now
            #expect(registry.server.keys.ring.authenticate(created.key) == .failure(.revoked), "the registry refuses the key once RevokeKey answered")
            var latencies: [Duration] = []
            for directory in services.directories {
                while directory.ring.authenticate(created.key) != .failure(.revoked) {
                    guard ContinuousClock.now - answered < .seconds(30) else {
                        Issue.record("a service still authenticates the revoked key after 30 s")
                        break
                    }
                    try await Task.sleep(for: .milliseconds(1))
                }
                latencies.append(ContinuousClock.now - answered)
            }
            print("revocation: RevokeKey answered → refused by the registry 0 ms (before answering), by the other services' directories after \(latencies.map { "\($0.inMilliseconds) ms" }.joined(separator: ", ")) (idle fetch back-off 250 ms)")
            #expect(revoked.info.hasRevokedAt)

            // Idempotent: the same record, the first revocation's time.
            let again = try await registry.keys { try await $0.revokeKey(.with { $0.id = key.id }) }
            #expect(again.info == revoked.info)

            try await registry.stop()
            try await services.stop()
            let restarted = try await RegistryInstance.start(names, instance: "a")
            let afterRestart = try await restarted.keys { try await $0.listKeys(Herald_V1_ListKeysRequest()) }
            #expect(afterRestart.keys == [revoked.info])
            #expect(restarted.server.keys.ring.authenticate(created.key) == .failure(.revoked))
            try await restarted.stop()
        }

        @Test func followerForwardsKeyWritesAndBadRequestsGetClearErrors() async throws {
            let names = RegistryNames()
            let (leader, follower) = try await RegistryInstance.startLeaderAndFollower(names)
            #expect(!follower.server.registry.isLeader)

            let created = try await follower.keys { try await $0.createKey(.with { $0.name = "ops"; $0.scopes = ["routes:write", "routes:read"] }) }
            #expect(created.info.scopes == ["routes:read", "routes:write"])
            #expect(leader.server.keys.ring.authenticate(created.key).map(\.keyID) == .success(created.info.id))
            _ = try await follower.keys { try await $0.revokeKey(.with { $0.id = created.info.id }) }
            #expect(leader.server.keys.ring.authenticate(created.key) == .failure(.revoked))

            for registry in [leader, follower] {
                try await registry.expectRefusal(.invalidArgument, "a key needs at least one scope") {
                    _ = try await $0.createKey(.with { $0.name = "none" })
                }
                try await registry.expectRefusal(.invalidArgument, "unknown scope 'events:write' (valid: deliveries:read, deliveries:redrive") {
                    _ = try await $0.createKey(.with { $0.name = "x"; $0.scopes = ["events:write"] })
                }
                try await registry.expectRefusal(.invalidArgument, "'*' may only end a pattern") {
                    _ = try await $0.createKey(.with { $0.name = "x"; $0.scopes = ["events:publish"]; $0.eventTypes = ["com.*.x"] })
                }
                try await registry.expectRefusal(.notFound, "no key has the id 0123456789abcdef") {
                    _ = try await $0.revokeKey(.with { $0.id = "0123456789abcdef" })
                }
                try await registry.expectRefusal(.invalidArgument, "a key id is 16 lowercase hex digits, got 'hk_nope'") {
                    _ = try await $0.revokeKey(.with { $0.id = "hk_nope" })
                }
            }
            #expect(try await leader.keys { try await $0.listKeys(Herald_V1_ListKeysRequest()) }.keys.count == 1)
            try await follower.stop()
            try await leader.stop()
        }

        /// The call's answer, or nil when it was refused because leadership was moving.
        static func unlessLeadershipMoves<Response>(_ call: () async throws -> Response) async throws -> Response? {
            do { return try await call() } catch let error as RPCError where error.code == .unavailable { return nil }
        }

        /// Any valid key learns what it is, whatever its scopes; no key, or a revoked one, learns nothing;
        /// a registry that checks no keys says it has none to describe.
        @Test func whoAmIDescribesTheCallingKeyToAnyValidKey() async throws {
            let names = RegistryNames()
            let bootstrap = KeyRing([KeyRecord(key: TestKeys.admin, name: "bootstrap", scopes: Set(Scope.allCases), createdAt: .now)])
            let registry = try await RegistryInstance.start(names, authentication: .keys(StaticKeyRing(bootstrap)))
            try await TestEnvironment.eventually("the registry to lead") { registry.server.registry.isLeader }
            let publisher = try await registry.keys {
                try await $0.createKey(.with {
                    $0.name = "narrow publisher"
                    $0.scopes = ["events:publish"]
                    $0.eventTypes = ["com.example.billing.*"]
                    $0.sources = ["/billing"]
                })
            }
            // events:publish only: no Keys or Registry scope, yet it may ask about itself.
            let described = try await registry.keys(sending: publisher.key) { try await $0.whoAmI(Herald_V1_WhoAmIRequest()) }
            #expect(described.info.id == publisher.info.id && described.info.name == "narrow publisher")
            #expect(described.info.scopes == ["events:publish"] && described.info.eventTypes == ["com.example.billing.*"] && described.info.sources == ["/billing"])
            #expect(!described.info.hasRevokedAt)
            let admin = try await registry.keys { try await $0.whoAmI(Herald_V1_WhoAmIRequest()) }
            #expect(admin.info.id == TestKeys.admin.id && admin.info.name == "bootstrap" && admin.info.scopes.contains("keys:admin"))

            try await registry.expectRefusal(.unauthenticated, "no API key", sending: nil) { _ = try await $0.whoAmI(Herald_V1_WhoAmIRequest()) }
            _ = try await registry.keys { try await $0.revokeKey(.with { $0.id = publisher.info.id }) }
            try await registry.expectRefusal(.unauthenticated, "unknown or revoked", sending: publisher.key) { _ = try await $0.whoAmI(Herald_V1_WhoAmIRequest()) }
            try await registry.stop()

            let insecure = try await RegistryInstance.start(RegistryNames(), authentication: .off)
            try await insecure.expectRefusal(.failedPrecondition, "--insecure-no-auth", sending: nil) { _ = try await $0.whoAmI(Herald_V1_WhoAmIRequest()) }
            try await insecure.stop()
        }

        @Test func aKeyCreatedThroughTheRegistryIsCheckedOnCallsUntilRevoked() async throws {
            let names = RegistryNames()
            let bootstrap = KeyRing([KeyRecord(key: TestKeys.admin, name: "bootstrap", scopes: Set(Scope.allCases), createdAt: .now)])
            let leader = try await RegistryInstance.start(names, instance: "a", authentication: .keys(StaticKeyRing(bootstrap)))
            try await TestEnvironment.eventually("a to lead") { leader.server.registry.isLeader }
            let follower = try await RegistryInstance.start(names, instance: "b", authentication: .keys(StaticKeyRing(bootstrap)))

            try await leader.expectRefusal(.unauthenticated, "no API key", sending: nil) {
                _ = try await $0.createKey(.with { $0.name = "x"; $0.scopes = ["schemas:read"] })
            }
            // Created through the follower, forwarded with the caller's (admin) key.
            // The follower joining the election group may move leadership for a moment; a write
            // forwarded then is refused as UNAVAILABLE (and written nowhere), so it is retried.
            let reader = try await TestEnvironment.eventually("the follower to forward the creation") {
                try await Self.unlessLeadershipMoves { try await follower.keys { try await $0.createKey(.with { $0.name = "reader"; $0.scopes = ["schemas:read"] }) } }
            }
            _ = try await leader.registry(sending: reader.key) { try await $0.listSubjects(Herald_V1_ListSubjectsRequest()) }
            do {
                _ = try await leader.registry(sending: reader.key) { try await $0.setConfig(.with { $0.compatibility = .none }) }
                Issue.record("a schemas:read key changed the compatibility level")
            } catch let error as RPCError {
                #expect(error.code == .permissionDenied && error.message.contains("schemas:write"), "\(error)")
            }
            try await leader.expectRefusal(.permissionDenied, "keys:admin", sending: reader.key) {
                _ = try await $0.listKeys(Herald_V1_ListKeysRequest())
            }

            _ = try await TestEnvironment.eventually("the follower to forward the revocation") {
                try await Self.unlessLeadershipMoves { try await follower.keys { try await $0.revokeKey(.with { $0.id = reader.info.id }) } }
            }
            do {
                _ = try await leader.registry(sending: reader.key) { try await $0.listSubjects(Herald_V1_ListSubjectsRequest()) }
                Issue.record("the leader accepted a key revoked through the follower")
            } catch let error as RPCError {
                #expect(error.code == .unauthenticated, "\(error)")
            }
            try await follower.stop()
            try await leader.stop()
        }
    }
}

/// Key directories of services that run elsewhere, following a test's keys topic.
final class OtherServices: Sendable {
    let directories: [KeyDirectory]
    private let group: ServiceGroup
    private let task = Mutex<Task<Void, any Error>?>(nil)

    init(topic: String, count: Int = 3) {
        directories = (0..<count).map { _ in
            var kafka = TestEnvironment.kafka
            kafka.writeSignal = LocalWriteSignal()
            return KeyDirectory(bootstrap: KeyRing(), topic: topic, kafka: kafka, logger: TestEnvironment.logger)
        }
        group = ServiceGroup(services: directories, logger: TestEnvironment.logger)
    }

    func start() async throws {
        let group = group
        task.withLock { $0 = Task { try await group.run() } }
        for directory in directories { try await directory.waitUntilReady() }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.withLock { $0 }?.value
    }
}

extension RegistryInstance {
    /// Calls `herald.v1.Keys` sending `key` (the test admin key unless told otherwise).
    func keys<Result: Sendable>(
        sending key: String? = TestKeys.admin.presented, _ body: (Herald_V1_Keys.Client<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext),
            interceptors: APIKeyClientInterceptor.sending(key)
        ) { client in
            try await body(Herald_V1_Keys.Client(wrapping: client))
        }
    }

    /// Calls `herald.v1.Registry` sending `key`.
    func registry<Result: Sendable>(
        sending key: String, _ body: (Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>) async throws -> Result
    ) async throws -> Result {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext),
            interceptors: APIKeyClientInterceptor.sending(key)
        ) { client in
            try await body(Herald_V1_Registry.Client(wrapping: client))
        }
    }

    func expectRefusal(
        _ code: RPCError.Code, _ message: String, sending key: String? = TestKeys.admin.presented,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ call: (Herald_V1_Keys.Client<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        do {
            try await keys(sending: key, call)
            Issue.record("expected \(code): \(message)", sourceLocation: sourceLocation)
        } catch let error as RPCError {
            #expect(error.code == code && error.message.contains(message), "\(error)", sourceLocation: sourceLocation)
        }
    }
}

extension Duration {
    var inMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
