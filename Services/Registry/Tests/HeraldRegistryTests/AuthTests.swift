import Foundation
import HeraldCore
import HeraldProtos
import HeraldRegistry
import HeraldRuntime
import HeraldTestSupport
import NIOHTTP1
import Testing

extension RegistryIntegration {
    /// API keys on the registry's real gRPC and REST sockets: every RPC and route refuses a
    /// missing, unknown or revoked key and a key without its scope, and lets a key with it through.
    @Suite struct AuthTests {
        static let routes: [(method: String, path: String)] = ConfluentREST.access.rules.keys.sorted().map { key in
            let parts = key.split(separator: " ", maxSplits: 1)
            return (String(parts[0]), String(parts[1]))
        }

        @Test func everyRPCAndRouteIsRefusedWithoutTheRightKey() async throws {
            let probe = AuthProbe()
            let registry = try await RegistryInstance.start(RegistryNames(), authentication: probe.authentication)
            defer { Task { try await registry.stop() } }
            let health = Grpc_Health_V1_Health.Method.Check.descriptor
            let grpc = try await probe.probeGRPC(port: registry.grpcPort, methods: Herald_V1_Registry.Method.descriptors + [health], table: .registry)
            let open: [(method: String, path: String)] = [("GET", "/healthz"), ("GET", "/metrics")]
            let rest = try await probe.probeHTTP(base: registry.base, routes: Self.routes + open, table: ConfluentREST.access
                .merging(.standard(metricsRequireKey: false)))
            print(AuthProbeRow.table(grpc + rest))
            #expect(grpc.last?.outcomes == ["OK", "OK", "OK", "—", "OK"], "health stays open: \(String(describing: grpc.last))")
            let violations = AuthProbeRow.violations(grpc.dropLast() + rest.dropLast(open.count))
            #expect(violations.isEmpty, "\(violations)")
            #expect(rest.count == ConfluentREST.access.rules.count + open.count)
            for row in rest.suffix(open.count) {
                #expect(row.outcomes.allSatisfy { $0 == "200" || $0 == "—" }, "open by default: \(row)")
            }
        }

        @Test func refusalsTellTheCallerWhatIsMissingInConfluentsShape() async throws {
            let probe = AuthProbe()
            let registry = try await RegistryInstance.start(RegistryNames(), authentication: probe.authentication)
            defer { Task { try await registry.stop() } }
            let anonymous = try await REST.call(.GET, registry.base + "/subjects", authorization: nil)
            #expect(anonymous.status == 401 && anonymous.errorCode == 40101)
            let reader = try await REST.call(.POST, registry.base + "/subjects/s-value/versions", json: REST.schemaBody(Schemas.orderV1),
                                             authorization: "Bearer \(probe.key(lacking: .schemasWrite))")
            #expect(reader.status == 403 && reader.errorCode == 40301)
            #expect((reader.object["message"] as? String)?.contains("schemas:write") == true, "\(reader.text)")
            #expect(try await REST.call(.GET, registry.base + "/healthz", authorization: nil).status == 200)
        }

        @Test func confluentBasicAuthIsTheKeyIdAndSecret() async throws {
            let key = APIKey.generate()
            let ring = KeyRing([KeyRecord(key: key, name: "schemas", scopes: [.schemasRead, .schemasWrite], createdAt: .now)])
            let registry = try await RegistryInstance.start(RegistryNames(), authentication: .keys(StaticKeyRing(ring)))
            defer { Task { try await registry.stop() } }
            let basic = "Basic " + Data("\(key.id):\(key.secret)".utf8).base64EncodedString()
            let registered = try await REST.call(.POST, registry.base + "/subjects/basic-value/versions", json: REST.schemaBody(Schemas.orderV1),
                                                 authorization: basic)
            #expect(registered.status == 200, "\(registered.text)")
            let wrongSecret = "Basic " + Data("\(key.id):\(APIKey.generate().secret)".utf8).base64EncodedString()
            let refused = try await REST.call(.GET, registry.base + "/subjects", authorization: wrongSecret)
            #expect(refused.status == 401)
        }

        @Test func metricsNeedAKeyWhenConfiguredSo() async throws {
            let key = APIKey.generate(), scraper = APIKey.generate()
            let ring = KeyRing([
                KeyRecord(key: key, name: "schemas", scopes: [.schemasRead], createdAt: .now),
                KeyRecord(key: scraper, name: "prometheus", scopes: [.metricsRead], createdAt: .now),
            ])
            let registry = try await RegistryInstance.start(RegistryNames(), authentication: .keys(StaticKeyRing(ring), metricsRequireKey: true))
            defer { Task { try await registry.stop() } }
            #expect(try await REST.call(.GET, registry.base + "/metrics", authorization: nil).status == 401)
            #expect(try await REST.call(.GET, registry.base + "/metrics", authorization: "Bearer \(key.presented)").status == 403)
            #expect(try await REST.call(.GET, registry.base + "/metrics", authorization: "Bearer \(scraper.presented)").status == 200)
        }

        /// Secure by default: the executable without keys stops at once saying how to configure
        /// them; told `--insecure-no-auth` it starts and says loudly that nothing is checked.
        @Test func withoutKeysTheRegistryRefusesToStartUnlessToldInsecure() async throws {
            let arguments = ["--kafka-brokers", TestEnvironment.brokers, "--grpc-port", "0", "--http-port", "0"]
            let noKeys = ["HERALD_BOOTSTRAP_KEY_FILE": "", "HERALD_API_KEY": ""]
            do {
                let started = try await ServiceProcess.start("herald-registry", arguments: arguments, environment: noKeys, readyMessage: "Registry listening")
                _ = started.terminate()
                Issue.record("herald-registry started without keys")
            } catch ServiceProcess.Failure.exited(_, let log) {
                #expect(log.contains("no API keys configured") && log.contains("--bootstrap-key-file") && log.contains("--insecure-no-auth"), "\(log)")
            }
            let names = RegistryNames()
            let insecure = try await ServiceProcess.start("herald-registry", arguments: arguments + [
                "--insecure-no-auth", "--schemas-topic", names.topic, "--election-topic", names.electionTopic,
                "--election-group", names.group, "--leader-transactional-id", names.transactionalID,
            ], environment: noKeys, readyMessage: "Registry listening")
            defer { _ = insecure.terminate() }
            try await TestEnvironment.eventually("the insecure-mode warning") { insecure.log.contains("Authentication is off (--insecure-no-auth)") }
            // A registry still replaying its log answers 503 to every read, with a key or without.
            let status = try await TestEnvironment.eventually("a read past the log's replay") {
                let status = try await REST.call(.GET, insecure.base + "/subjects", authorization: nil).status
                return status == 503 ? nil : status
            }
            #expect(status == 200, "a read without a key is served in insecure mode")
        }

        /// A follower forwards a write with the caller's own key, which the leader checks again.
        @Test func aFollowerForwardsWritesWithTheCallersKey() async throws {
            let probe = AuthProbe()
            let names = RegistryNames()
            let a = try await RegistryInstance.start(names, instance: "a", authentication: probe.authentication)
            try await TestEnvironment.eventually("a to lead") { a.server.registry.isLeader }
            let b = try await RegistryInstance.start(names, instance: "b", authentication: probe.authentication)
            defer { Task { try await b.stop(); try await a.stop() } }
            #expect(!b.server.registry.isLeader)
            let forwarded = try await REST.call(.POST, b.base + "/subjects/forwarded-value/versions", json: REST.schemaBody(Schemas.orderV1),
                                             authorization: "Bearer \(probe.adminKey)")
            #expect(forwarded.status == 200, "\(forwarded.text)")
        }
    }
}
