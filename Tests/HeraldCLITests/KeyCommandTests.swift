import Foundation
import HeraldCore
import HeraldKafka
import HeraldRuntime
import HeraldTestSupport
import Logging
import Testing

/// `herald key …`: `generate` offline, the others through the built `herald` binary against a
/// registry running in this process (with a keys topic of its own).
@Suite(.serialized, .timeLimit(.minutes(3)))
struct KeyCommandTests {
    @Test func generatePrintsOneKeyLineAndNothingElseOnStdout() async throws {
        let result = try await HeraldRun(registry: nil, environment: ["HERALD_REGISTRY_URL": "127.0.0.1:1"]).run("key", "generate")
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines[1].isEmpty, "one line, got \(result.stdout)")
        let key = try APIKey(parsing: String(lines[0]))
        #expect(result.stderr.contains("key id \(key.id)") && result.stderr.contains("bootstrap key file"))
    }

    @Test func createListRevokeAndTheirErrors() async throws {
        var logger = Logger(label: "herald-cli-tests")
        logger.logLevel = .warning
        let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"
        let kafka = KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: .seconds(20))
        let registry = try await InProcessRegistry.start(kafka: kafka, prefix: "herald-test-cli-keys", logger: logger)
        do {
            try await walkThrough(HeraldRun(registry: registry.grpcAddress))
            try await registry.stop()
        } catch {
            try? await registry.stop()
            throw error
        }
    }

    /// `whoami` prints the key it sends, whatever that key's scopes; without a valid key it is refused.
    @Test func whoamiShowsTheKeySentWithoutNeedingAScope() async throws {
        var logger = Logger(label: "herald-cli-tests")
        logger.logLevel = .warning
        let brokers = ProcessInfo.processInfo.environment["HERALD_KAFKA_BROKERS"] ?? "127.0.0.1:9092"
        let kafka = KafkaConfiguration(bootstrapServers: brokers.split(separator: ",").map(String.init), requestTimeout: .seconds(20))
        let ring = KeyRing([KeyRecord(key: TestKeys.admin, name: "bootstrap", scopes: Set(Scope.allCases), createdAt: .now)])
        let registry = try await InProcessRegistry.start(
            kafka: kafka, prefix: "herald-test-cli-whoami", authentication: .keys(StaticKeyRing(ring)), logger: logger)
        do {
            let herald = HeraldRun(registry: registry.grpcAddress, environment: ["HERALD_API_KEY": TestKeys.admin.presented])
            let admin = try await herald.run("key", "whoami")
            #expect(admin.status == 0 && admin.stdout.hasPrefix("\(TestKeys.admin.id)  bootstrap  ") && admin.stdout.contains("keys:admin"), "\(admin)")

            let created = try await herald.run("key", "create", "--name", "narrow", "--scope", "events:publish", "--sources", "/billing")
            let narrow = try APIKey(parsing: try #require(created.stdout.split(separator: "\n").first.map(String.init)))
            // events:publish only, yet it may ask about itself.
            let itself = try await herald.run("key", "whoami", "--api-key", narrow.presented, "--json")
            let object = try JSONSerialization.jsonObject(with: Data(itself.stdout.utf8)) as? [String: Any]
            #expect(itself.status == 0 && object?["id"] as? String == narrow.id && object?["scopes"] as? [String] == ["events:publish"], "\(itself)")
            #expect(object?["sources"] as? [String] == ["/billing"])

            _ = try await herald.run("key", "revoke", narrow.id)
            try await TestEnvironment.eventually("the revocation to be read") {
                let revoked = try await herald.run("key", "whoami", "--api-key", narrow.presented)
                return revoked.status == 2 && revoked.stderr.contains("UNAUTHENTICATED")
            }
            try await registry.stop()
        } catch {
            try? await registry.stop()
            throw error
        }
    }

    private func walkThrough(_ herald: HeraldRun) async throws {
        #expect(try await herald.run("key", "list").stdout == "no keys\n")
        // A registry that checks no keys has none to describe.
        let insecure = try await herald.run("key", "whoami")
        #expect(insecure.status == 2 && insecure.stderr.hasPrefix("error: FAILED_PRECONDITION: ") && insecure.stderr.contains("--insecure-no-auth"), "\(insecure)")

        let created = try await herald.run(
            "key", "create", "--name", "billing", "--scope", "events:publish", "--types", "com.example.billing.*,com.example.invoice.*")
        #expect(created.status == 0, "\(created)")
        let lines = created.stdout.split(separator: "\n").map(String.init)
        let key = try APIKey(parsing: try #require(lines.first))
        #expect(lines.count == 2 && lines[1].hasPrefix("\(key.id)  billing  events:publish  types=com.example.billing.*,com.example.invoice.*  created="), "\(created)")

        let listed = try await herald.run("key", "list")
        #expect(listed.status == 0 && listed.stdout == lines[1] + "\n", "\(listed)")
        #expect(!listed.stdout.contains(key.secret))
        let listedJSON = try await herald.run("key", "list", "--json")
        let objects = try JSONSerialization.jsonObject(with: Data(listedJSON.stdout.utf8)) as? [[String: Any]]
        #expect(objects?.first?["id"] as? String == key.id && objects?.first?["event_types"] as? [String] == ["com.example.billing.*", "com.example.invoice.*"])

        let revoked = try await herald.run("key", "revoke", key.id)
        #expect(revoked.status == 0 && revoked.stdout.hasPrefix("revoked \(key.id)  billing") && revoked.stdout.contains("  revoked="), "\(revoked)")
        #expect(try await herald.run("key", "list").stdout.contains("  revoked="))

        let unknownScope = try await herald.run("key", "create", "--name", "x", "--scope", "events:write")
        #expect(unknownScope.status == 2, "\(unknownScope)")
        #expect(unknownScope.stderr.hasPrefix("error: INVALID_ARGUMENT: unknown scope 'events:write' (valid: deliveries:read,"), "\(unknownScope)")
        let noScope = try await herald.run("key", "create", "--name", "x")
        #expect(noScope.status == 2 && noScope.stderr == "error: INVALID_ARGUMENT: a key needs at least one scope\n", "\(noScope)")
        let unknownID = try await herald.run("key", "revoke", "0123456789abcdef")
        #expect(unknownID.status == 2 && unknownID.stderr == "error: NOT_FOUND: no key has the id 0123456789abcdef\n", "\(unknownID)")
    }
}
