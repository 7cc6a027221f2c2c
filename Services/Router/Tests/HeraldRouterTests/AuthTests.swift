import HeraldProtos
import HeraldRouter
import HeraldRuntime
import HeraldTestSupport
import Testing

extension RouterIntegration {
    /// API keys on the router's real socket: every RPC refuses a missing, unknown or revoked key
    /// and a key without its scope, and lets a key with it through.
    @Suite struct AuthTests {
        @Test func everyRPCIsRefusedWithoutTheRightKey() async throws {
            let probe = AuthProbe()
            let topics = RouterTopics()
            try await topics.createEvents()
            var configuration = topics.configuration(instance: "auth")
            configuration.authentication = probe.authentication
            let router = try await RunningRouter.start(configuration)
            defer { Task { try await router.stop() } }
            let rows = try await probe.probeGRPC(port: router.port, methods: Herald_V1_Router.Method.descriptors, table: .router)
            print(AuthProbeRow.table(rows))
            #expect(AuthProbeRow.violations(rows).isEmpty, "\(AuthProbeRow.violations(rows))")
            #expect(rows.count == Herald_V1_Router.Method.descriptors.count)
        }

        /// Until `herald.api-keys` is replayed only bootstrap keys authenticate: not SERVING yet.
        @Test func saysServingOnlyOnceItsKeysAreReplayed() async throws {
            let topics = RouterTopics()
            try await topics.createEvents()
            var configuration = topics.configuration(instance: "keys-replay")
            configuration.keysTopic = RouterTestEnvironment.unique("api-keys")
            let router = try await RouterServer.build(configuration, logger: RouterTestEnvironment.logger)
            let servingEarly = try await KeyReplayHold.servingBeforeReplay(router, logger: RouterTestEnvironment.logger)
            #expect(!servingEarly, "SERVING before its keys topic was replayed")
        }
    }
}
