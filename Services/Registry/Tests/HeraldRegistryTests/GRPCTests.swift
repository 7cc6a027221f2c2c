import HeraldRegistry
import GRPCCore
import HeraldProtos
import SwiftProtobuf
import Testing

extension RegistryIntegration {
    /// `herald.v1.Registry` over a real socket: the same semantics, gRPC status codes.
    @Suite struct GRPCTests {
        /// A write is answered once the leader's own log consumer applied it; that consumer rests
        /// the caught-up log between fetches, and the leader's committed write (announced in the
        /// process, `LocalWriteSignal`) ends the rest instead of it being waited out.
        @Test func writesAreAnsweredWithoutWaitingOutTheLogConsumersRest() async throws {
            // An hour's rest: only the write waking the consumer lets the leader announce itself and answer.
            let registry = try await RegistryInstance.start(RegistryNames(), idleFetchBackoff: .seconds(3600))
            defer { Task { try await registry.stop() } }
            var options = CallOptions.defaults
            options.timeout = .seconds(20)
            let subjects = (1...3).map { "rested-\($0)-value" }
            try await registry.withClient { client in
                for subject in subjects {
                    let registered = try await client.registerSchema(.with {
                        $0.subject = subject
                        $0.schema = Schemas.orderV1
                    }, options: options)
                    #expect(registered.version == 1)
                }
                #expect(try await client.listSubjects(.init(), options: options).subjects == subjects)
            }
        }

        @Test func registryAnswersOverGRPCWithContractStatusCodes() async throws {
            let registry = try await RegistryInstance.start(RegistryNames())
            defer { Task { try await registry.stop() } }
            try await registry.withClient { client in
                let registered = try await client.registerSchema(.with {
                    $0.subject = "orders-value"
                    $0.schema = Schemas.orderV1
                })
                #expect(registered.version == 1)
                let schema = try await client.getSchema(.with { $0.id = registered.id })
                #expect(schema.schema == Schemas.orderV1)
                #expect(schema.subjects == ["orders-value"])
                let latest = try await client.getVersion(.with { $0.subject = "orders-value" })
                #expect(latest.id == registered.id && latest.version == 1)
                #expect(try await client.listSubjects(.init()).subjects == ["orders-value"])
                #expect(try await client.listVersions(.with { $0.subject = "orders-value" }).versions == [1])

                let check = try await client.checkCompatibility(.with {
                    $0.subject = "orders-value"
                    $0.schema = Schemas.orderBreaking
                })
                #expect(!check.compatible)
                #expect(check.messages.contains { $0.contains("count") })

                try await expectStatus(.notFound) { _ = try await client.getSchema(.with { $0.id = 4242 }) }
                try await expectStatus(.notFound) { _ = try await client.getVersion(.with { $0.subject = "nope" }) }
                try await expectStatus(.notFound) { _ = try await client.listVersions(.with { $0.subject = "nope" }) }
                try await expectStatus(.invalidArgument) {
                    _ = try await client.registerSchema(.with {
                        $0.subject = "orders-value"
                        $0.schema = "{not a schema"
                    })
                }
                let incompatible = try await expectStatus(.failedPrecondition) {
                    _ = try await client.registerSchema(.with {
                        $0.subject = "orders-value"
                        $0.schema = Schemas.orderBreaking
                    })
                }
                #expect(incompatible.message.contains("count"))
                try await expectStatus(.failedPrecondition) {
                    _ = try await client.deleteSubject(.with {
                        $0.subject = "orders-value"
                        $0.permanent = true
                    })
                }

                let config = try await client.setConfig(.with {
                    $0.subject = "orders-value"
                    $0.compatibility = .full
                })
                #expect(config.compatibility == .full)
                #expect(try await client.getConfig(.with { $0.subject = "orders-value" }).compatibility == .full)
                #expect(try await client.getConfig(.init()).compatibility == .backward)

                #expect(try await client.deleteSubject(.with { $0.subject = "orders-value" }).versions == [1])
                #expect(try await client.listSubjects(.init()).subjects.isEmpty)
                #expect(try await client.listSubjects(.with { $0.includeDeleted = true }).subjects == ["orders-value"])
            }
        }
    }
}

@discardableResult
func expectStatus(_ code: RPCError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async throws -> RPCError {
    do {
        try await body()
    } catch let error as RPCError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    }
    Issue.record("expected an RPCError with \(code), but the call succeeded", sourceLocation: sourceLocation)
    return RPCError(code: .unknown, message: "no error")
}
