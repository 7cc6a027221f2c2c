import AsyncHTTPClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import HeraldKafka
import HeraldProtos
@testable import HeraldRegistry
import HeraldRuntime
import HeraldTestSupport
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization
import Testing

/// Registry tests share one broker: they run one at a time, each with its own topics, election
/// group and transactional id, so no test sees another's schemas or fences another's leader.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct RegistryIntegration {}

/// Names private to one test's registry cluster.
struct RegistryNames: Sendable {
    let topic: String
    let electionTopic: String
    let group: String
    let transactionalID: String
    let keysTopic: String
    let auditTopic: String

    init() {
        let suffix = "\(ProcessInfo.processInfo.processIdentifier).\(UInt32.random(in: 0...UInt32.max))"
        topic = "herald-test._schemas.\(suffix)"
        electionTopic = "herald-test._schemas.election.\(suffix)"
        group = "herald-test-registry.\(suffix)"
        transactionalID = "herald-test-registry-leader.\(suffix)"
        keysTopic = "herald-test.api-keys.\(suffix)"
        auditTopic = "herald-test.audit.\(suffix)"
    }

}

extension TestEnvironment {
    /// The registry suite's Kafka settings, read as a property by its tests.
    static var kafka: KafkaConfiguration { kafka() }
}

/// One registry instance running in this process: the very assembly the executable runs.
final class RegistryInstance: Sendable {
    let server: RegistryServer
    let grpcPort: Int
    let httpPort: Int
    private let group: RunningGroup

    var base: String { "http://127.0.0.1:\(httpPort)" }

    static func start(
        _ names: RegistryNames, instance: String = "0", maxSchemaBytes: Int = 1 << 20, idleFetchBackoff: Duration? = nil,
        authentication: CallAuthentication = .off
    ) async throws -> RegistryInstance {
        var kafka = TestEnvironment.kafka
        if let idleFetchBackoff { kafka.idleFetchBackoff = idleFetchBackoff }
        var configuration = RegistryServer.Configuration(kafka: kafka)
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.instanceID = instance
        configuration.topic = names.topic
        configuration.electionTopic = names.electionTopic
        configuration.electionGroup = names.group
        configuration.transactionalID = names.transactionalID
        configuration.auditTopic = names.auditTopic
        configuration.maxSchemaBytes = maxSchemaBytes
        configuration.keysTopic = names.keysTopic
        configuration.authentication = authentication
        let server = try RegistryServer.build(configuration, logger: TestEnvironment.logger)
        let group = RunningGroup(server.services, logger: TestEnvironment.logger)
        let grpcPort = try await server.grpc.boundPort()
        let httpPort = await server.httpPort.value
        let instance = RegistryInstance(server: server, grpcPort: grpcPort, httpPort: httpPort, group: group)
        try await TestEnvironment.eventually("registry \(instance) serving") { server.health.isServing }
        return instance
    }

    /// Instance `a`, once it leads, and instance `b` beside it, which then follows.
    static func startLeaderAndFollower(_ names: RegistryNames) async throws -> (leader: RegistryInstance, follower: RegistryInstance) {
        let leader = try await start(names, instance: "a")
        try await TestEnvironment.eventually("a to lead") { leader.server.registry.isLeader }
        let roundsBefore = leader.server.election.roundsCompleted
        let follower = try await start(names, instance: "b")
        // b joining rebalances the election group: a steps down and is elected again, and a write
        // forwarded meanwhile is refused as UNAVAILABLE. Tests start once that round is over.
        try await TestEnvironment.eventually("the group to settle with a leading after b joined") {
            follower.server.election.roundsCompleted > 0 && leader.server.election.roundsCompleted > roundsBefore
                && leader.server.registry.isLeader
        }
        return (leader, follower)
    }

    private init(server: RegistryServer, grpcPort: Int, httpPort: Int, group: RunningGroup) {
        self.server = server
        self.grpcPort = grpcPort
        self.httpPort = httpPort
        self.group = group
    }

    /// Graceful stop, as on SIGTERM: resigns leadership, then stops the servers.
    func stop() async throws {
        try await group.stop()
    }

    func withClient<Result: Sendable>(_ body: (Herald_V1_Registry.Client<HTTP2ClientTransport.Posix>) async throws -> Result) async throws -> Result {
        try await withGRPCClient(
            transport: .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: grpcPort), transportSecurity: .plaintext),
            interceptors: TestKeys.interceptors
        ) { client in
            try await body(Herald_V1_Registry.Client(wrapping: client))
        }
    }
}

/// A REST answer: the status and the parsed JSON body.
struct RESTResponse {
    let status: Int
    let body: Any?
    let text: String
    let contentType: String?

    var errorCode: Int? { (body as? [String: Any])?["error_code"] as? Int }
    var object: [String: Any] { body as? [String: Any] ?? [:] }
    var ints: [Int] { body as? [Int] ?? [] }
    var strings: [String] { body as? [String] ?? [] }
}

enum REST {
    static func call(
        _ method: HTTPMethod, _ url: String, json: String? = nil,
        contentType: String = "application/vnd.schemaregistry.v1+json", accept: String? = nil,
        authorization: String? = TestKeys.bearer
    ) async throws -> RESTResponse {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let accept { request.headers.add(name: "accept", value: accept) }
        if let authorization { request.headers.add(name: "authorization", value: authorization) }
        if let json {
            request.headers.add(name: "content-type", value: contentType)
            request.body = .bytes(ByteBuffer(string: json))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        let text = String(buffer: bytes)
        let body = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        return RESTResponse(status: Int(response.status.code), body: body, text: text, contentType: response.headers.first(name: "content-type"))
    }

    /// `{"schema": "<schema>"}` (plus any extra members) as Confluent clients send it.
    static func schemaBody(_ schema: String, extra: [String: Any] = [:]) -> String {
        var object = extra
        object["schema"] = schema
        return String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}

enum Schemas {
    static let orderV1 = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"}]}"#
    /// v1 plus a field with a default: backward and forward compatible.
    static let orderV2 = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"},{"name":"note","type":"string","default":""}]}"#
    /// v1 plus a field without a default: not backward compatible.
    static let orderBreaking = #"{"type":"record","name":"Order","namespace":"com.example","fields":[{"name":"id","type":"string"},{"name":"count","type":"int"}]}"#
    static let customer = #"{"type":"record","name":"Customer","namespace":"com.example","fields":[{"name":"name","type":"string"}]}"#
}
